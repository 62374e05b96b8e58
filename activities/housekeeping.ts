import { Context } from '@temporalio/activity';
import { ApplicationFailure, CancelledFailure } from '@temporalio/common';
import type { Knex } from 'knex';
import { HOUSEKEEPING_RETENTION, IDEMPOTENCY_LEASE_SECONDS } from '../src/domain/retention';
import type { Deps } from '../src/deps';
import { HOUSEKEEPING_TABLES, type HousekeepingTable, type SweepResult } from '../src/temporal/contracts/housekeeping';

/** Upper bound on `batchSize`: one statement, one short transaction, a few milliseconds of row locks. */
export const MAX_SWEEP_BATCH_SIZE = 10_000;

interface Batch {
  deleted: number;
  /** Where the next batch starts (walked tables); null when the sweep takes from the head of an index. */
  cursor: string | null;
  done: boolean;
}

/** What a sweep reports in its heartbeats; a retried attempt resumes from it. */
interface SweepProgress {
  table: HousekeepingTable;
  cursor: string | null;
  deleted: number;
  batches: number;
}

type Sweeper = (knex: Knex, limit: number, cursor: string | null) => Promise<Batch>;

/**
 * idempotency_keys has an index on expires_at: each batch deletes up to `limit` expired rows from its head.
 * Rows another transaction holds (the API taking a key over, or forgetting it itself) are skipped, not waited for.
 */
const sweepIdempotencyKeys: Sweeper = async (knex, limit) => {
  const { rows } = await knex.raw<{ rows: { picked: number; deleted: number }[] }>(
    `WITH doomed AS (
       SELECT scope, user_id, key FROM idempotency_keys
        WHERE expires_at <= now()
          AND (response_status IS NOT NULL OR created_at < now() - make_interval(secs => ?))
        ORDER BY expires_at
        LIMIT ?
        FOR UPDATE SKIP LOCKED
     ), gone AS (
       DELETE FROM idempotency_keys k USING doomed d
        WHERE k.scope = d.scope AND k.user_id = d.user_id AND k.key = d.key
       RETURNING 1
     )
     SELECT (SELECT count(*) FROM doomed)::int AS picked, (SELECT count(*) FROM gone)::int AS deleted`,
    [IDEMPOTENCY_LEASE_SECONDS, limit],
  );
  return { deleted: rows[0].deleted, cursor: null, done: rows[0].picked < limit };
};

/**
 * A table with no index on its expiry (rate_limits: an index would slow every limited request) is walked along
 * its primary key, `limit` keys per batch, deleting the expired ones among them: each batch costs the same,
 * and one sweep reads the table once. `expired` is a condition on the table's alias `t`.
 */
function walkingSweeper(table: string, key: string, expired: string, bindings: Knex.ValueDict): Sweeper {
  return async (knex, limit, cursor) => {
    const { rows } = await knex.raw<{ rows: { last: string | null; scanned: number; deleted: number }[] }>(
      `WITH chunk AS (
         SELECT ${key} AS k FROM ${table} ${cursor === null ? '' : `WHERE ${key} > :cursor`} ORDER BY ${key} LIMIT :limit
       ), doomed AS (
         SELECT t.${key} FROM ${table} t JOIN chunk c ON t.${key} = c.k WHERE ${expired} FOR UPDATE OF t SKIP LOCKED
       ), gone AS (
         DELETE FROM ${table} t USING doomed d WHERE t.${key} = d.${key} RETURNING 1
       )
       SELECT (SELECT max(k) FROM chunk) AS last, (SELECT count(*) FROM chunk)::int AS scanned, (SELECT count(*) FROM gone)::int AS deleted`,
      { ...bindings, limit, ...(cursor !== null && { cursor }) },
    );
    const { last, scanned, deleted } = rows[0];
    return { deleted, cursor: last, done: scanned < limit };
  };
}

const SWEEPERS: Record<HousekeepingTable, Sweeper> = {
  idempotency_keys: sweepIdempotencyKeys,
  rate_limits: walkingSweeper(
    'rate_limits',
    'key',
    `t.expire < (extract(epoch FROM now()) * 1000)::bigint - :graceMs`,
    { graceMs: HOUSEKEEPING_RETENTION.rateLimitGraceMs },
  ),
  stripe_events: walkingSweeper(
    'stripe_events',
    'id',
    `t.handled_at IS NOT NULL AND t.received_at < now() - make_interval(days => :days)`,
    { days: HOUSEKEEPING_RETENTION.stripeEventDays },
  ),
};

/** Housekeeping: deletes rows whose use is over from tables that would otherwise grow forever (core pool). */
export function createHousekeepingActivities(deps: Deps) {
  return {
    /**
     * Deletes one table's expired rows (see HOUSEKEEPING_RETENTION) in batches of `batchSize`, each its own
     * statement, heartbeating after each. Idempotent: a repeat finds less or nothing to delete; a retried
     * attempt resumes from the last heartbeat.
     */
    async sweepExpiredRows(table: HousekeepingTable, batchSize: number): Promise<SweepResult> {
      if (!(HOUSEKEEPING_TABLES as readonly string[]).includes(table)) {
        throw ApplicationFailure.nonRetryable(`not a housekeeping table: ${String(table)}`, 'HousekeepingTableUnknown');
      }
      if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > MAX_SWEEP_BATCH_SIZE) {
        throw ApplicationFailure.nonRetryable(
          `batchSize must be an integer from 1 to ${MAX_SWEEP_BATCH_SIZE}`,
          'HousekeepingBadBatchSize',
        );
      }
      const context = Context.current();
      const resumed = context.info.heartbeatDetails as SweepProgress | undefined;
      let progress: SweepProgress =
        resumed?.table === table ? resumed : { table, cursor: null, deleted: 0, batches: 0 };
      for (;;) {
        if (context.cancellationSignal.aborted) throw new CancelledFailure(`sweep of ${table} cancelled`);
        const batch = await SWEEPERS[table](deps.knex, batchSize, progress.cursor);
        progress = {
          table,
          cursor: batch.cursor,
          deleted: progress.deleted + batch.deleted,
          batches: progress.batches + 1,
        };
        context.heartbeat(progress);
        if (batch.done) break;
      }
      deps.log.info(
        { table, deleted: progress.deleted, batches: progress.batches },
        'housekeeping: expired rows deleted',
      );
      return { table, deleted: progress.deleted, batches: progress.batches };
    },
  };
}
