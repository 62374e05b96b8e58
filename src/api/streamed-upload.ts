import type { IncomingMessage } from 'node:http';
import type { Middleware } from 'koa';
import { Transform, type Readable, type TransformCallback } from 'node:stream';
import { Upload } from '@aws-sdk/lib-storage';
import busboy from 'busboy';
import { deleteObjects, SERVER_SIDE_ENCRYPTION, type Bucket } from '../storage/video-objects';
import { badRequest, HttpProblem, payloadTooLarge, unavailable, unsupportedMediaType } from '../problems/http-problem';
import type { AppContext } from './http/context';

/**
 * Streams a multipart/form-data file upload (a lesson video, a lesson resource) straight into S3: the request
 * body flows through busboy and a signature check into a multipart S3 upload, so memory holds only a few
 * upload parts at a time and nothing touches the local disk. The text fields must come before the file (as
 * in an S3 POST form) so that the request can be refused before any byte of the file is stored.
 */

/**
 * S3 multipart part size (S3's minimum) and parts in flight: they bound the memory one upload holds
 * (≈ size × (queue + 1)); more in flight did not upload faster to a local store (bench:ingest).
 */
export const UPLOAD_PART_BYTES = 5 * 1024 * 1024;
export const UPLOAD_QUEUE_SIZE = 2;
/** Room for the form's boundaries and text fields on top of the file itself. */
const MULTIPART_OVERHEAD_BYTES = 1024 * 1024;

/** What a kind of file is: how its first bytes are recognised, how large it may be, what a refusal says. */
export interface UploadKind<K extends { contentType: string }> {
  maxBytes: number;
  /** How many leading bytes `sniff` needs (a shorter file is sniffed whole). */
  sniffBytes: number;
  /** The kind of file these first bytes begin (undefined: refused with `messages.unsupported`). */
  sniff(head: Uint8Array, filename: string): K | undefined;
  messages: { tooLarge: string; unsupported: string; failed: string; missing: string };
}

export interface StreamedFile<T, K> {
  fields: T;
  key: string;
  kind: K;
  /** The name the client sent with the file (not sanitised). */
  filename: string;
  sizeBytes: number;
}

export interface StreamFileOptions<T, K extends { contentType: string }> {
  bucket: Bucket;
  /** The form field that carries the file. */
  fileField: string;
  kind: UploadKind<K>;
  /** Validates the text fields that preceded the file; throw an HttpProblem to refuse the upload. */
  acceptFields(fields: Record<string, string>): Promise<T>;
  /** The object key, once the file's first bytes told its kind. */
  keyFor(kind: K): string;
}

/**
 * Receives the upload and resolves once the object is complete in S3. Every refusal is an HttpProblem
 * (400 fields or an unsupported file, 413 size, 415 not multipart, 503 storage failure); the rest of a
 * refused body is discarded (or, when large, the connection closed after the answer), and no object is
 * left behind.
 */
export async function streamFileToS3<T, K extends { contentType: string }>(
  ctx: AppContext,
  options: StreamFileOptions<T, K>,
): Promise<StreamedFile<T, K>> {
  const { kind } = options;
  const maxBytes = kind.maxBytes;
  const tooLarge = (): HttpProblem => payloadTooLarge(kind.messages.tooLarge);
  if (!ctx.request.is('multipart/form-data')) throw unsupportedMediaType('Content-Type must be multipart/form-data');
  if (Number(ctx.get('Content-Length') || 0) > maxBytes + MULTIPART_OVERHEAD_BYTES) {
    throw tooLarge(); // refused before reading: the connection is closed rather than the body read
  }

  const req = ctx.req;
  // Browsers send file names as raw UTF-8 (RFC 7578); busboy's default would read them as Latin-1.
  const form = busboy({
    headers: req.headers,
    defParamCharset: 'utf8',
    limits: { files: 1, fileSize: maxBytes, fields: 20, fieldSize: 64 * 1024, parts: 25 },
  });
  const fields: Record<string, string> = {};
  let gate: SniffGate<K> | undefined;
  let upload: Promise<StreamedFile<T, K>> | undefined;

  const uploadFile = async (file: Readable, gate: SniffGate<K>, filename: string): Promise<StreamedFile<T, K>> => {
    const accepted = await options.acceptFields(fields); // the fields that preceded the file
    file.pipe(gate);
    try {
      const detected = await gate.kind;
      const key = options.keyFor(detected);
      await new Upload({
        client: options.bucket.s3,
        params: {
          Bucket: options.bucket.name,
          Key: key,
          Body: gate,
          ContentType: detected.contentType,
          ServerSideEncryption: SERVER_SIDE_ENCRYPTION,
        },
        partSize: UPLOAD_PART_BYTES,
        queueSize: UPLOAD_QUEUE_SIZE,
      }).done();
      return { fields: accepted, key, kind: detected, filename, sizeBytes: gate.bytes };
    } catch (err) {
      // The gate's own refusal (signature, size) is the reason; what the S3 upload reported is a consequence.
      const reason: unknown = gate.errored ?? err;
      if (reason instanceof HttpProblem) throw reason;
      ctx.state.log.warn({ err: reason }, 'streaming an upload to S3 failed');
      throw unavailable(kind.messages.failed, 5);
    }
  };

  const parsed = new Promise<void>((resolve, reject) => {
    form.on('field', (name, value, info) => {
      if (upload) return reject(badRequest(`Send the fields before the "${options.fileField}" file`, { field: name }));
      if (info.valueTruncated) return reject(badRequest('Field value is too long', { field: name }));
      fields[name] = value;
    });
    form.on('file', (name, file, info) => {
      if (name !== options.fileField || upload) {
        file.resume();
        return reject(badRequest(`Send exactly one file, in the "${options.fileField}" field`, { field: name }));
      }
      gate = new SniffGate(kind, info.filename ?? '');
      const thisGate = gate;
      file.on('limit', () => thisGate.destroy(tooLarge()));
      upload = uploadFile(file, thisGate, info.filename ?? '');
      upload.catch(reject); // a refused or failed upload ends the request too
    });
    form.on('partsLimit', () => reject(badRequest('Too many form parts')));
    form.on('fieldsLimit', () => reject(badRequest('Too many form fields')));
    form.on('error', (err: Error) => reject(badRequest(`Malformed multipart body: ${err.message}`)));
    form.on('close', resolve);
    req.on('close', () => {
      if (!req.complete) reject(badRequest('The upload was interrupted')); // nobody is left to read the answer
    });
  });
  req.pipe(form);

  try {
    await parsed;
    if (!upload) throw badRequest(kind.messages.missing, { field: options.fileField });
    return await upload;
  } catch (err) {
    req.unpipe(form);
    gate?.destroy(err instanceof Error ? err : new Error(String(err))); // stops an S3 upload in flight
    const stored = await upload?.catch(() => undefined);
    // Refused after the file was complete (a field after it...): the object belongs to nothing.
    if (stored) await deleteObjects(options.bucket, [stored.key]);
    throw err; // drainRefusedUploads takes care of the rest of the body
  }
}

/**
 * Middleware for upload routes. A client still sending its body only reads the answer once the body is out,
 * so a refusal (auth, validation, a taken position...) first reads and drops a small remainder; after a large
 * one the connection is closed instead of waiting for gigabytes.
 */
export const drainRefusedUploads: Middleware = async (ctx, next) => {
  try {
    await next();
  } catch (err) {
    if (!(await discardBody(ctx.req))) ctx.set('Connection', 'close');
    throw err;
  }
};

/** Reads and drops what is left of a refused body; false when more than `maxBytes` remains or it takes too long. */
function discardBody(req: IncomingMessage, maxBytes = 32 * 1024 * 1024, maxMs = 5000): Promise<boolean> {
  if (req.complete || req.destroyed) return Promise.resolve(req.complete);
  if (Number(req.headers['content-length'] ?? 0) > maxBytes) return Promise.resolve(false);
  return new Promise((resolve) => {
    let bytes = 0;
    const done = (ended: boolean): void => {
      clearTimeout(timer);
      req.off('data', count).off('end', end).off('close', end);
      if (!ended) req.pause();
      resolve(ended);
    };
    const count = (chunk: Buffer): void => {
      bytes += chunk.length;
      if (bytes > maxBytes) done(false);
    };
    const end = (): void => done(req.complete);
    const timer = setTimeout(() => done(false), maxMs);
    req.on('data', count).once('end', end).once('close', end);
    req.resume();
  });
}

/**
 * Passes the file through once its first bytes show an accepted kind (`kind` resolves), or fails with the
 * kind's 400 otherwise; counts the bytes. A file shorter than `sniffBytes` is judged on what there is.
 */
class SniffGate<K extends { contentType: string }> extends Transform {
  bytes = 0;
  readonly kind: Promise<K>;
  private head: Buffer[] = [];
  private headLength = 0;
  private detected?: K;
  private settle!: { resolve(k: K): void; reject(err: unknown): void };

  constructor(
    private readonly uploadKind: UploadKind<K>,
    private readonly filename: string,
  ) {
    super();
    this.kind = new Promise((resolve, reject) => (this.settle = { resolve, reject }));
    this.kind.catch(() => undefined); // observed by the caller; never an unhandled rejection
    this.once('error', (err) => this.settle.reject(err));
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.bytes += chunk.length;
    if (this.detected) return callback(null, chunk);
    this.head.push(chunk);
    this.headLength += chunk.length;
    if (this.headLength < this.uploadKind.sniffBytes) return callback();
    this.judge(callback);
  }

  override _flush(callback: TransformCallback): void {
    if (this.detected) return callback();
    this.judge(callback);
  }

  /** Sniffs the bytes held back so far and lets them through, or refuses the file. */
  private judge(callback: TransformCallback): void {
    const head = Buffer.concat(this.head);
    this.head = [];
    this.detected = this.uploadKind.sniff(head.subarray(0, this.uploadKind.sniffBytes), this.filename);
    if (!this.detected) return callback(badRequest(this.uploadKind.messages.unsupported));
    this.settle.resolve(this.detected);
    callback(null, head);
  }
}
