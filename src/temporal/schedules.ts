import { createHash } from 'node:crypto';
import { Client, ScheduleAlreadyRunning, ScheduleOptions, ScheduleOverlapPolicy } from '@temporalio/client';
import type { Config } from '../config';
import { payoutScheduleOptions } from '../payouts/run';
import { HOUSEKEEPING_WORKFLOW, housekeepingIds } from './contracts/housekeeping';
import { FLUSH_NOTIFICATIONS_WORKFLOW, notificationIds } from './contracts/notifications';
import { taskQueue } from './shared';

/** Every Schedule the system runs. Ids carry TASK_QUEUE_PREFIX so deployments sharing a namespace stay apart. */
export function scheduleDefinitions(config: Config): ScheduleOptions[] {
  const queue = taskQueue('core', config.TASK_QUEUE_PREFIX);
  return [
    {
      scheduleId: notificationIds.schedule(config.TASK_QUEUE_PREFIX),
      spec: { intervals: [{ every: '1 minute' }] },
      action: {
        type: 'startWorkflow',
        workflowType: FLUSH_NOTIFICATIONS_WORKFLOW,
        args: [500],
        taskQueue: queue,
        workflowExecutionTimeout: '5 minutes',
      },
      policies: { overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: '1 minute' },
    },
    {
      // Deletes expired idempotency keys, rate-limit counters and old Stripe events (activities/housekeeping.ts).
      // SKIP: a sweep still running when the next hour comes is not doubled; the execution timeout keeps a stuck
      // one from skipping every later hour.
      scheduleId: housekeepingIds.schedule(config.TASK_QUEUE_PREFIX),
      spec: { intervals: [{ every: '1 hour' }] },
      action: {
        type: 'startWorkflow',
        workflowType: HOUSEKEEPING_WORKFLOW,
        workflowId: housekeepingIds.scheduledRun(config.TASK_QUEUE_PREFIX),
        args: [{}],
        taskQueue: queue,
        workflowExecutionTimeout: '1 hour',
        staticSummary: 'Hourly housekeeping: deletes expired rows',
      },
      policies: { overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: '1 hour' },
    },
    // 00:00 UTC on the 1st of each month: pays the month before.
    payoutScheduleOptions(config),
  ];
}

/** A fingerprint of a definition, kept in the Schedule's note: a writer with the same definition changes nothing. */
export function definitionNote(options: ScheduleOptions): string {
  const hash = createHash('sha256')
    .update(JSON.stringify({ spec: options.spec, action: options.action, policies: options.policies }))
    .digest('hex')
    .slice(0, 16);
  return `edustream definition ${hash}`;
}

/**
 * Creates each Schedule, or brings an existing one up to date when its definition differs (compared by the
 * fingerprint in its note): safe on every start-up, and during a rolling deploy an old worker restarting does
 * not rewrite what the new code wrote. Production writes them from one owner, `npm run bootstrap`.
 */
export async function ensureSchedules(
  client: Client,
  config: Config,
): Promise<('created' | 'updated' | 'unchanged')[]> {
  const outcomes: ('created' | 'updated' | 'unchanged')[] = [];
  for (const options of scheduleDefinitions(config)) {
    const note = definitionNote(options);
    try {
      await client.schedule.create({ ...options, state: { ...options.state, note } });
      outcomes.push('created');
    } catch (err) {
      if (!(err instanceof ScheduleAlreadyRunning)) throw err;
      const handle = client.schedule.getHandle(options.scheduleId);
      if ((await handle.describe()).state.note === note) {
        outcomes.push('unchanged');
        continue;
      }
      await handle.update((previous) => ({
        ...previous,
        spec: options.spec,
        action: options.action,
        policies: { ...previous.policies, ...options.policies },
        state: { ...previous.state, note },
      }));
      outcomes.push('updated');
    }
  }
  return outcomes;
}

/** Whether this worker process writes the Schedules at start: in development yes, in production bootstrap does. */
export function writesSchedules(config: Config): boolean {
  return config.WRITE_SCHEDULES ? config.WRITE_SCHEDULES === 'true' : !config.isProduction;
}
