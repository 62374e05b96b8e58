/** Contract of `housekeepingWorkflow` (workflows/housekeeping.ts): the hourly sweep of expired rows. */

export const HOUSEKEEPING_WORKFLOW = 'housekeepingWorkflow';

/**
 * Tables the housekeeping sweep deletes expired rows from, in the order it sweeps them (a fixed allow-list:
 * the sweep activity refuses any other name). How long rows are kept: src/domain/retention.ts; the queries that
 * find expired rows: activities/housekeeping.ts.
 */
export const HOUSEKEEPING_TABLES = ['idempotency_keys', 'rate_limits', 'stripe_events'] as const;
export type HousekeepingTable = (typeof HOUSEKEEPING_TABLES)[number];

/** Schedule and workflow ids of housekeeping; they carry the task-queue prefix like every Schedule's. */
export const housekeepingIds = {
  schedule: (prefix: string) => `${prefix}housekeeping`,
  /** Runs started by the Schedule: Temporal appends the scheduled time to this id. */
  scheduledRun: (prefix: string) => `${prefix}housekeeping-scheduled`,
};

/** Input of `housekeepingWorkflow`. */
export interface HousekeepingInput {
  /** Rows deleted per statement (each statement is its own short transaction). Default 5000. */
  batchSize?: number;
}

/** What one table's sweep did. */
export interface SweepResult {
  table: HousekeepingTable;
  deleted: number;
  /** Statements run. */
  batches: number;
}

export interface HousekeepingResult {
  swept: SweepResult[];
  /** Tables whose sweep failed after its retries (the others were still swept). */
  failed: { table: HousekeepingTable; reason: string }[];
}
