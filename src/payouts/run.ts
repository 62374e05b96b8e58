/**
 * Starting payout runs from outside Temporal: the Schedule (kept by src/temporal/schedules.ts at worker
 * start-up), the admin endpoint, the CLI and the benchmark all go through here, so they start the same
 * workflow the same way.
 */
import {
  type Client,
  ScheduleOverlapPolicy,
  type ScheduleOptions,
  type ScheduleOptionsStartWorkflowAction,
  type ScheduleSpec,
  WorkflowIdConflictPolicy,
  WorkflowIdReusePolicy,
  type WorkflowHandleWithFirstExecutionRunId,
} from '@temporalio/client';
import type { payoutRunWorkflow } from '../../workflows/payouts';
import type { Config } from '../config';
import type { PayPeriod } from '../domain/time';
import { PAYOUT_RUN_WORKFLOW, payoutIds, type PayoutRunInput } from '../temporal/contracts/payouts';
import { searchAttributes, taskQueue } from '../temporal/shared';

/** `0 0 1 * *` in UTC: 00:00 on the 1st of every month (DESIGN §3). */
export const PAYOUT_SCHEDULE_SPEC: ScheduleSpec = {
  calendars: [{ comment: '0 0 1 * * — 00:00 UTC on the 1st of each month', dayOfMonth: 1, hour: 0, minute: 0 }],
  timezone: 'UTC',
};

/**
 * BUFFER_ONE: a run still going when the next month's is due (a huge backlog, a long Stripe outage) is
 * followed by it rather than overlapped or dropped. The catch-up window lets a Temporal outage of up to a week
 * around the 1st still start the run; the period comes from the scheduled time, so it pays the right month.
 */
export const PAYOUT_SCHEDULE_POLICIES = {
  overlap: ScheduleOverlapPolicy.BUFFER_ONE,
  catchupWindow: '7 days',
  pauseOnFailure: false,
} as const;

function runInput(config: Config, input: PayoutRunInput): PayoutRunInput {
  return { concurrency: config.PAYOUT_RUN_CONCURRENCY, ...input };
}

export function payoutScheduleAction(config: Config): ScheduleOptionsStartWorkflowAction<typeof payoutRunWorkflow> {
  return {
    type: 'startWorkflow',
    workflowType: PAYOUT_RUN_WORKFLOW,
    workflowId: payoutIds.scheduledRun(config.TASK_QUEUE_PREFIX),
    taskQueue: taskQueue('core', config.TASK_QUEUE_PREFIX),
    args: [runInput(config, {})],
    staticSummary: 'Monthly instructor payout run',
  };
}

export function payoutScheduleOptions(
  config: Config,
): ScheduleOptions<ScheduleOptionsStartWorkflowAction<typeof payoutRunWorkflow>> {
  return {
    scheduleId: payoutIds.schedule(config.TASK_QUEUE_PREFIX),
    spec: PAYOUT_SCHEDULE_SPEC,
    action: payoutScheduleAction(config),
    policies: PAYOUT_SCHEDULE_POLICIES,
    state: { note: 'Pays every instructor whose payable balance is at least $50.00 for the previous month.' },
  };
}

/**
 * Starts the run for a period, or returns the one already running for it (a double click, a retried
 * request). A finished run may be started again: its children's ids make it pay only who is still unpaid.
 */
export async function startPayoutRun(
  client: Client,
  config: Config,
  run: { period: PayPeriod; dryRun?: boolean },
): Promise<WorkflowHandleWithFirstExecutionRunId<typeof payoutRunWorkflow>> {
  return client.workflow.start<typeof payoutRunWorkflow>(PAYOUT_RUN_WORKFLOW, {
    workflowId: payoutIds.run(config.TASK_QUEUE_PREFIX, run.period, run.dryRun),
    taskQueue: taskQueue('core', config.TASK_QUEUE_PREFIX),
    args: [runInput(config, { period: run.period, dryRun: run.dryRun ?? false })],
    workflowIdConflictPolicy: WorkflowIdConflictPolicy.USE_EXISTING,
    workflowIdReusePolicy: WorkflowIdReusePolicy.ALLOW_DUPLICATE,
    typedSearchAttributes: [{ key: searchAttributes.payoutPeriod, value: run.period }],
    staticSummary: `Payout run ${run.period}${run.dryRun ? ' (dry run)' : ''}`,
  });
}

/** Link to a workflow in the Temporal Web UI, for operators. */
export function temporalUiLink(config: Config, workflowId: string): string {
  return `${config.TEMPORAL_UI_URL}/namespaces/${encodeURIComponent(config.TEMPORAL_NAMESPACE)}/workflows/${encodeURIComponent(workflowId)}`;
}
