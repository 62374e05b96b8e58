import { ActivityFailure, ApplicationFailure, proxyActivities, setCurrentDetails } from '@temporalio/workflow';
import type { createHousekeepingActivities } from '../activities/housekeeping';
import {
  HOUSEKEEPING_TABLES,
  type HousekeepingInput,
  type HousekeepingResult,
} from '../src/temporal/contracts/housekeeping';

/**
 * One table's sweep may be long after an outage (a backlog of millions of rows) but never silent: it heartbeats
 * after every batch, and a retried attempt resumes from its last heartbeat.
 */
const { sweepExpiredRows } = proxyActivities<ReturnType<typeof createHousekeepingActivities>>({
  startToCloseTimeout: '15 minutes',
  heartbeatTimeout: '1 minute',
  retry: { initialInterval: '5 seconds', backoffCoefficient: 2, maximumInterval: '1 minute', maximumAttempts: 5 },
});

const DEFAULT_BATCH_SIZE = 5000;

/**
 * Deletes expired rows from the tables that would otherwise grow forever (HOUSEKEEPING_TABLES; what counts as
 * expired is in activities/housekeeping.ts), one table after another. A table whose sweep fails does not stop the
 * others; the run then fails, naming it, so the Temporal UI shows it. Started hourly by a Schedule.
 */
export async function housekeepingWorkflow(input: HousekeepingInput = {}): Promise<HousekeepingResult> {
  const batchSize = input.batchSize ?? DEFAULT_BATCH_SIZE;
  const result: HousekeepingResult = { swept: [], failed: [] };
  for (const table of HOUSEKEEPING_TABLES) {
    setCurrentDetails(`Sweeping expired rows of ${table}`);
    try {
      result.swept.push(await sweepExpiredRows(table, batchSize));
    } catch (err) {
      if (!(err instanceof ActivityFailure)) throw err;
      result.failed.push({ table, reason: err.cause?.message ?? err.message });
    }
  }
  setCurrentDetails(
    [
      ...result.swept.map((s) => `${s.table}: ${s.deleted} deleted`),
      ...result.failed.map((f) => `${f.table}: failed (${f.reason})`),
    ].join('\n'),
  );
  if (result.failed.length > 0) {
    throw ApplicationFailure.nonRetryable(
      `housekeeping failed for ${result.failed.map((f) => f.table).join(', ')}`,
      'HousekeepingFailed',
      result,
    );
  }
  return result;
}
