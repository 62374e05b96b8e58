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

/** Creates each Schedule, or brings an existing one up to date: safe on every start-up. */
export async function ensureSchedules(client: Client, config: Config): Promise<void> {
  for (const options of scheduleDefinitions(config)) {
    try {
      await client.schedule.create(options);
    } catch (err) {
      if (!(err instanceof ScheduleAlreadyRunning)) throw err;
      await client.schedule.getHandle(options.scheduleId).update((previous) => ({
        ...previous,
        spec: options.spec,
        action: options.action,
        policies: { ...previous.policies, ...options.policies },
      }));
    }
  }
}
