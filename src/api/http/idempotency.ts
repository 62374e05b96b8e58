/** The `Idempotency-Key` store (table idempotency_keys): a route's first successful answer, replayed to its retries. */
import { createHash } from 'node:crypto';
import type { Knex } from 'knex';
import { conflict, badRequest, problemTypes } from '../../problems/http-problem';
import { IDEMPOTENCY_LEASE_SECONDS, IDEMPOTENCY_TTL_HOURS } from '../../domain/retention';
import { type AppContext, parsedBody } from './context';

export interface IdempotencyOptions {
  knex: Knex;
  scope: string;
  userId: string;
  key: string;
}

interface IdempotencyRow {
  request_hash: string;
  response_status: number | null;
  response_body: unknown;
  /** Judged by the database's clock, like every other time of the key. */
  expired: boolean;
}

/** JSON with sorted keys, so `{a,b}` and `{b,a}` hash alike. */
function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

function requestHash(ctx: AppContext): string {
  return createHash('sha256')
    .update(`${ctx.method} ${ctx.path}?${ctx.querystring}\n${canonicalJson(parsedBody(ctx))}`)
    .digest('hex');
}

/**
 * Runs `execute` at most once per (scope, user, key). The key row is claimed *before* the work
 * (INSERT ... ON CONFLICT DO NOTHING), so two concurrent duplicates cannot both execute: the loser
 * gets 409 "in progress". A finished key replays the stored status and body; a key reused with a
 * different request is a 409. Failures release the key so the client can retry.
 * Usable directly for routes not built with defineRoute.
 */
export async function withIdempotency(
  ctx: AppContext,
  options: IdempotencyOptions,
  execute: () => Promise<void>,
): Promise<void> {
  const { knex, scope, userId, key } = options;
  if (key.length > 255 || !/^[\x21-\x7e]+$/.test(key)) {
    throw badRequest('Idempotency-Key must be 1-255 visible ASCII characters', {
      field: 'Idempotency-Key',
      in: 'header',
    });
  }
  const hash = requestHash(ctx);
  const where = { scope, user_id: userId, key };
  const table = (): Knex.QueryBuilder => knex('idempotency_keys');
  /** A claim (or a takeover) holds the key for the TTL from now: its request may run until the lease ends. */
  const fresh = () => ({
    created_at: knex.fn.now(),
    expires_at: knex.raw(`now() + interval '${IDEMPOTENCY_TTL_HOURS} hours'`),
  });

  const claim = async (): Promise<boolean> => {
    const inserted = await table()
      .insert({ ...where, request_hash: hash, ...fresh() })
      .onConflict(['scope', 'user_id', 'key'])
      .ignore()
      .returning('key');
    return inserted.length > 0;
  };

  if (!(await claim())) {
    const row = (await table()
      .where(where)
      .first('request_hash', 'response_status', 'response_body', knex.raw('expires_at <= now() AS expired'))) as
      IdempotencyRow | undefined;
    if (!row || row.expired) {
      // Expired (or deleted meanwhile): forget it and claim afresh; a concurrent claimer wins the race cleanly.
      await table().where(where).where('expires_at', '<=', knex.fn.now()).delete();
      if (!(await claim())) throw inProgress();
    } else if (row.request_hash !== hash) {
      throw conflict('Idempotency-Key reused with a different request', { type: problemTypes.idempotencyMismatch });
    } else if (row.response_status === null) {
      const takenOver = await table()
        .where(where)
        .whereNull('response_status')
        .where('created_at', '<', knex.raw(`now() - interval '${IDEMPOTENCY_LEASE_SECONDS} seconds'`))
        .update(fresh())
        .returning('key');
      if (takenOver.length === 0) throw inProgress();
    } else {
      ctx.status = row.response_status;
      ctx.set('Idempotent-Replayed', 'true');
      if (row.response_body !== null) ctx.body = row.response_body;
      return;
    }
  }

  try {
    await execute();
  } catch (err) {
    await table().where(where).whereNull('response_status').delete();
    throw err;
  }
  if (ctx.status >= 400 || !isJsonBody(ctx.body)) {
    // Only successful JSON answers are replayable; anything else leaves the key free for a retry.
    await table().where(where).whereNull('response_status').delete();
    return;
  }
  const body = ctx.body ?? null;
  const id = body !== null && typeof body === 'object' && 'id' in body ? (body as { id: unknown }).id : undefined;
  await table()
    .where(where)
    .update({
      response_status: ctx.status,
      // pg would turn a JS array into a Postgres array; jsonb wants the JSON text.
      response_body: body === null ? null : JSON.stringify(body),
      resource_id: typeof id === 'string' ? id : null,
    });
}

function inProgress(): Error {
  return conflict('A request with this Idempotency-Key is still in progress', {
    type: problemTypes.idempotencyInProgress,
    headers: { 'Retry-After': '1' },
  });
}

function isJsonBody(body: unknown): boolean {
  if (body == null) return true;
  if (Buffer.isBuffer(body) || typeof body === 'string') return false;
  return typeof body === 'object' && typeof (body as { pipe?: unknown }).pipe !== 'function';
}
