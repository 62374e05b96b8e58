/**
 * The monthly payout run (DESIGN §4) and the per-instructor payout it starts for every instructor whose
 * payable balance is due. Deterministic code only.
 */
import {
  ActivityFailure,
  ApplicationFailure,
  ChildWorkflowFailure,
  condition,
  continueAsNew,
  executeChild,
  ParentClosePolicy,
  proxyActivities,
  proxyLocalActivities,
  setCurrentDetails,
  setHandler,
  upsertSearchAttributes,
  WorkflowIdReusePolicy,
  type RetryPolicy,
  workflowInfo,
} from '@temporalio/workflow';
// The workflow SDK rejects a child start with this class (from common) when the id is taken.
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import type { createPayoutActivities, createPayoutPaymentActivities } from '../activities/payouts';
import { formatUsd } from '../src/domain/money';
import { isPayPeriod, payPeriodOf } from '../src/domain/time';
import {
  type InstructorPayoutInput,
  type InstructorPayoutResult,
  payoutIds,
  type PayoutRunInput,
  type PayoutRunProgress,
  payoutRunProgressQuery,
  TRANSFER_REJECTED,
} from '../src/temporal/contracts/payouts';
import { scheduledStartTime, searchAttributes, siblingQueue } from '../src/temporal/shared';

const payoutRecordsRetry: RetryPolicy = {
  initialInterval: '1 second',
  backoffCoefficient: 2,
  maximumInterval: '30 seconds',
  maximumAttempts: 10,
};
const payoutRecords = proxyActivities<ReturnType<typeof createPayoutActivities>>({
  startToCloseTimeout: '1 minute',
  retry: payoutRecordsRetry,
});
/**
 * A payout's own database steps are short, idempotent transactions on the worker that runs the workflow:
 * as local activities they cost no task-queue round trip and no extra workflow task, which halves what
 * Temporal records per instructor (a crash mid-step re-runs the step, which is safe).
 */
const localPayoutRecords = proxyLocalActivities<ReturnType<typeof createPayoutActivities>>({
  startToCloseTimeout: '30 seconds',
  retry: payoutRecordsRetry,
});

const PAYOUT_RUN_DEFAULTS = { concurrency: 200, pageSize: 500 };
/** The run's result lists this many failures at most (all of them are in the children's histories and the audit log). */
const MAX_LISTED_FAILURES = 100;

/**
 * Pays every instructor whose payable balance is due, one child workflow each (deterministic id per
 * instructor and period, so a rerun or a crash never pays anyone twice), at most `concurrency` at once.
 * Instructors come from a keyset-paged query; the run continues as new when Temporal suggests it, carrying
 * its cursor and totals, so a run of any size keeps a bounded history. Started by the Schedule (the period is
 * the month before the scheduled time) or by an operator for a given period.
 */
export async function payoutRunWorkflow(input: PayoutRunInput = {}): Promise<PayoutRunProgress> {
  const period = input.period ?? scheduledPeriod();
  if (!isPayPeriod(period))
    throw ApplicationFailure.nonRetryable(`invalid pay period ${JSON.stringify(period)}`, 'InvalidPayPeriod');
  const concurrency = Math.max(1, input.concurrency ?? PAYOUT_RUN_DEFAULTS.concurrency);
  const pageSize = Math.max(1, input.pageSize ?? PAYOUT_RUN_DEFAULTS.pageSize);
  const dryRun = input.dryRun ?? false;
  const progress: PayoutRunProgress = input.carried
    ? { ...input.carried, inFlight: 0 }
    : {
        period,
        dryRun,
        cursor: null,
        paid: 0,
        paidCents: 0,
        skippedNoConnect: 0,
        notDue: 0,
        alreadyHandled: 0,
        failed: 0,
        failures: [],
        inFlight: 0,
        continuedAsNew: 0,
        done: false,
      };
  setHandler(payoutRunProgressQuery, () => progress);
  const publish = () => {
    upsertSearchAttributes([
      { key: searchAttributes.payoutPeriod, value: period },
      { key: searchAttributes.payoutsPaid, value: progress.paid },
      { key: searchAttributes.payoutsFailed, value: progress.failed },
    ]);
  };
  const show = () => setCurrentDetails(describeProgress(progress));
  publish();
  show();

  const fail = (instructorId: string, reason: string) => {
    progress.failed++;
    if (progress.failures.length < MAX_LISTED_FAILURES) progress.failures.push({ instructorId, reason });
  };
  const pay = async (instructorId: string): Promise<void> => {
    progress.inFlight++;
    try {
      const result = await executeChild(instructorPayoutWorkflow, {
        workflowId: payoutIds.instructorPayout(instructorId, period),
        args: [{ instructorId, period }],
        // A payout in flight finishes even if its run is terminated; a failed one may be retried by a rerun.
        parentClosePolicy: ParentClosePolicy.ABANDON,
        workflowIdReusePolicy: WorkflowIdReusePolicy.ALLOW_DUPLICATE_FAILED_ONLY,
        typedSearchAttributes: [
          { key: searchAttributes.instructorId, value: instructorId },
          { key: searchAttributes.payoutPeriod, value: period },
        ],
        staticSummary: `Payout ${period.slice(0, 7)} for instructor ${instructorId}`,
      });
      switch (result.outcome) {
        case 'paid':
          progress.paid++;
          progress.paidCents += result.totalCents;
          break;
        case 'closed':
          progress.alreadyHandled++;
          break;
        case 'failed':
          fail(instructorId, result.reason);
          break;
        case 'not_due':
          progress.notDue++;
          break;
        case 'connect_required':
          progress.skippedNoConnect++;
          break;
      }
    } catch (err) {
      // Started already (a rerun of the period, or a run for it in progress): that workflow answers for it.
      if (err instanceof WorkflowExecutionAlreadyStartedError) progress.alreadyHandled++;
      else fail(instructorId, failureMessage(err));
    } finally {
      progress.inFlight--;
      show();
    }
  };

  let continueSuggested = false;
  pages: for (;;) {
    const page = await payoutRecords.findDueInstructors({ after: progress.cursor, limit: pageSize });
    for (const { instructorId, balanceCents } of page.instructors) {
      if (dryRun) {
        progress.paid++;
        progress.paidCents += balanceCents;
      } else {
        await condition(() => progress.inFlight < concurrency);
        if (workflowInfo().continueAsNewSuggested) {
          continueSuggested = true;
          break pages;
        }
        void pay(instructorId);
      }
      progress.cursor = instructorId;
    }
    if (page.nextCursor === null) break;
    progress.cursor = page.nextCursor;
    publish();
  }

  await condition(() => progress.inFlight === 0);
  if (continueSuggested) {
    progress.continuedAsNew++;
    await continueAsNew<typeof payoutRunWorkflow>({ ...input, period, carried: progress });
  }
  progress.done = true;
  publish();
  show();
  return progress;
}

/** The pay period of a run the Schedule started: the month before its scheduled (not actual) start time. */
function scheduledPeriod(): string {
  const info = workflowInfo();
  return payPeriodOf(info.typedSearchAttributes.get(scheduledStartTime) ?? info.startTime);
}

function describeProgress(p: PayoutRunProgress): string {
  const lines = [
    `**Payout run ${p.period}**${p.dryRun ? ' (dry run: nobody is paid)' : ''}${p.done ? ' — finished' : ''}`,
    `- ${p.dryRun ? 'due' : 'paid'}: ${p.paid} instructors, ${formatUsd(p.paidCents)}`,
    `- in flight: ${p.inFlight}`,
    `- failed: ${p.failed}`,
    `- skipped (no Connect account): ${p.skippedNoConnect}; below $50 by then: ${p.notDue}; already handled: ${p.alreadyHandled}`,
    `- continued as new: ${p.continuedAsNew} times`,
  ];
  return lines.join('\n');
}

function failureMessage(err: unknown): string {
  let cause: unknown = err;
  while ((cause instanceof ChildWorkflowFailure || cause instanceof ActivityFailure) && cause.cause)
    cause = cause.cause;
  return cause instanceof Error ? cause.message : String(cause);
}

/**
 * Pays one instructor for one period: creates the payout (or finds it after a crash), transfers it through
 * Stripe, and completes it — or fails it with the reason, its shares returning to the balance, when Stripe
 * refuses the transfer. When the transfer's outcome stays unknown after every retry, the payout stays
 * `processing` (nothing is released that might have been sent) and this workflow fails, for an operator to
 * rerun the period: the rerun resumes the same payout with the same idempotency key.
 */
export async function instructorPayoutWorkflow(input: InstructorPayoutInput): Promise<InstructorPayoutResult> {
  const prepared = await localPayoutRecords.preparePayout(input);
  switch (prepared.kind) {
    case 'not_due':
    case 'connect_required':
      return { outcome: prepared.kind, balanceCents: prepared.balanceCents };
    case 'closed':
      return { outcome: 'closed', payoutId: prepared.payoutId, status: prepared.status };
    case 'ready':
      break;
  }
  const { payoutId, totalCents, destination } = prepared;
  setCurrentDetails(`Transferring ${formatUsd(totalCents)} to ${destination} (payout ${payoutId})`);

  const payments = proxyActivities<ReturnType<typeof createPayoutPaymentActivities>>({
    taskQueue: siblingQueue(workflowInfo().taskQueue, 'payments'),
    startToCloseTimeout: '1 minute',
    retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '1 minute', maximumAttempts: 8 },
  });
  let transferId: string;
  try {
    ({ transferId } = await payments.sendPayoutTransfer({
      payoutId,
      instructorId: input.instructorId,
      period: input.period,
      destination,
      amountCents: totalCents,
      resumed: prepared.resumed,
    }));
  } catch (err) {
    if (
      err instanceof ActivityFailure &&
      err.cause instanceof ApplicationFailure &&
      err.cause.type === TRANSFER_REJECTED
    ) {
      await localPayoutRecords.failPayout({ payoutId, reason: err.cause.message });
      setCurrentDetails(`Failed: ${err.cause.message}`);
      return { outcome: 'failed', payoutId, reason: err.cause.message };
    }
    throw ApplicationFailure.create({
      message: `transfer outcome unknown after retries; payout ${payoutId} stays processing until the period is run again`,
      type: 'PayoutTransferUnknown',
      nonRetryable: true,
      cause: err instanceof Error ? err : undefined,
    });
  }
  await localPayoutRecords.completePayout({ payoutId, transferId });
  setCurrentDetails(`Paid ${formatUsd(totalCents)} (transfer ${transferId})`);
  return { outcome: 'paid', payoutId, totalCents, transferId };
}
