import { payloadTooLarge } from '../../problems/http-problem';
import type { AppContext } from './context';

/**
 * Reads the unparsed request body (the JSON parser skips /api/webhooks/*, so signatures can be
 * checked over the exact bytes). 413 beyond `limitBytes`.
 */
export async function readRawBody(ctx: AppContext, limitBytes = 1024 * 1024): Promise<Buffer> {
  const declared = Number(ctx.get('Content-Length') || 0);
  if (declared > limitBytes) throw payloadTooLarge();
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of ctx.req) {
    const buffer = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as string);
    size += buffer.length;
    if (size > limitBytes) throw payloadTooLarge();
    chunks.push(buffer);
  }
  return Buffer.concat(chunks);
}
