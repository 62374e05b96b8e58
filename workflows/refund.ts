import {
  ActivityFailure,
  allHandlersFinished,
  ApplicationFailure,
  condition,
  getExternalWorkflowHandle,
  log,
  proxyActivities,
  setHandler,
  upsertSearchAttributes,
  workflowInfo,
  type SignalDefinition,
} from '@temporalio/workflow';
import type { createRefundActivities, RefundAttempt } from '../activities/refunds';
import type { createStripeRefundActivities } from '../activities/stripe-refunds';
import { refundRefusal, refundRefusals, type RefundRefusal } from '../src/domain/refunds';
import { escrowSignals, escrowWorkflowId, type SaleRefunded } from '../src/temporal/contracts/escrow';
import {
  type DisputeLost,
  REFUND_FAILURE_CODES,
  type RefundFailureCode,
  type RefundInput,
  type RefundOutcome,
  type RefundRequest,
  refundSignals,
  refundStateQuery,
  refundUpdates,
  type StripeRefunded,
} from '../src/temporal/contracts/refund';
import { saleSearchAttributes, saleStatusAttribute } from '../src/temporal/contracts/sale';
import { siblingQueue } from '../src/temporal/shared';

type RefundActivities = ReturnType<typeof createRefundActivities>;
type StripeRefundActivities = ReturnType<typeof createStripeRefundActivities>;

/** A run started by a request the validator refused has nothing to do; it ends after this long. */
const IDLE_TIMEOUT = '1 minute';

type Trigger =
  | { source: 'api'; request: RefundRequest }
  | { source: 'stripe'; event: StripeRefunded }
  | { source: 'dispute_lost'; event: DisputeLost };

type Failure = { code: RefundFailureCode; message: string };

/**
 * One per sale (id `refund-<transaction id>`). Whatever asks first — the API's `refund.request` Update, a
 * `charge.refunded` webhook, a lost dispute — starts the one refund; everything after it is refused
 * (already refunded / in progress), so concurrent requests make one refund.
 *
 * A saga: `beginRefund` (audit, revoke access, cancel or claw back the share) registers its undo before it
 * runs; the Stripe refund is the pivot — if Stripe refuses, the undo runs; once Stripe has refunded,
 * `completeRefund` (transaction refunded, audit, notifications) is retried until it succeeds. A refund that
 * started at Stripe, or a lost dispute, skips the Stripe call: the money is already back.
 */
export async function refundWorkflow(sale: RefundInput): Promise<RefundOutcome> {
  const steps = proxyActivities<RefundActivities>({
    startToCloseTimeout: '30 seconds',
    retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '10 seconds', maximumAttempts: 6 },
  });
  // Steps that must finish — the books after money moved, and the undo of a failed attempt: no attempt
  // limit, an operator sees the retries in the Web UI.
  const mustFinish = proxyActivities<RefundActivities>({
    startToCloseTimeout: '30 seconds',
    retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '5 minutes' },
  });
  // The caller waits for the answer: a short bounded retry, then "unavailable, retry later".
  const stripe = proxyActivities<StripeRefundActivities>({
    taskQueue: siblingQueue(workflowInfo().taskQueue, 'payments'),
    startToCloseTimeout: '30 seconds',
    retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '10 seconds', maximumAttempts: 6 },
  });

  const run: { trigger?: Trigger; outcome?: RefundOutcome } = {};

  const refusalOf = (request: RefundRequest): RefundRefusal | null => {
    const refusal = refundRefusal(
      sale,
      { id: request.actorId, role: request.actorRole },
      new Date(request.requestedAt),
    );
    if (refusal?.code === 'refund_forbidden' || run.trigger === undefined) return refusal;
    return run.outcome?.status === 'refunded' ? refundRefusals.alreadyRefunded : refundRefusals.inProgress;
  };

  setHandler(refundStateQuery, () => ({ source: run.trigger?.source ?? null, outcome: run.outcome ?? null }));
  setHandler(
    refundUpdates.request,
    async (request) => {
      run.trigger ??= { source: 'api', request };
      await condition(() => run.outcome !== undefined);
      const outcome = run.outcome as RefundOutcome;
      if (outcome.status === 'refunded') return outcome.result;
      const failure: Failure =
        outcome.status === 'refused'
          ? outcome
          : { code: 'not_refundable', message: refundRefusals.notRefundable.message };
      throw ApplicationFailure.nonRetryable(failure.message, failure.code);
    },
    {
      // Runs before the update is accepted (and written to history): a refused request leaves no trace.
      validator: (request) => {
        const refusal = refusalOf(request);
        if (refusal) throw ApplicationFailure.nonRetryable(refusal.message, refusal.code);
      },
    },
  );
  // Stripe redelivers, and our own refund comes back as `charge.refunded`: only the first trigger counts.
  setHandler(refundSignals.stripeRefunded, (event) => {
    run.trigger ??= { source: 'stripe', event };
  });
  setHandler(refundSignals.disputeLost, (event) => {
    run.trigger ??= { source: 'dispute_lost', event };
  });

  upsertSearchAttributes(saleSearchAttributes(sale));

  if (await condition(() => run.trigger !== undefined, IDLE_TIMEOUT)) {
    run.outcome = await refund(run.trigger as Trigger);
  } else {
    run.outcome = { status: 'idle' };
  }
  await condition(allHandlersFinished);
  return run.outcome;

  async function refund(trigger: Trigger): Promise<RefundOutcome> {
    const api = trigger.source === 'api' ? trigger.request : null;
    const attempt: RefundAttempt = {
      transactionId: sale.transactionId,
      source: trigger.source,
      attemptKey: `${sale.transactionId}:${workflowInfo().runId}`,
      actorId: api?.actorId ?? null,
      ipAddress: api?.ipAddress ?? null,
      reason: api ? api.reason : trigger.source === 'stripe' ? 'refunded at Stripe' : 'dispute lost',
      stripeEventId: trigger.source === 'api' ? null : trigger.event.eventId,
    };

    // Each compensable step registers its undo BEFORE it runs: it may take effect even if we never hear back.
    const compensations: Array<(failure: Failure) => Promise<void>> = [];
    let share: SaleRefunded['share'];
    let stripeRefundId = trigger.source === 'stripe' ? trigger.event.refundId : null;
    try {
      compensations.unshift((failure) => mustFinish.undoBeginRefund(attempt, failure));
      const begun = await steps.beginRefund(attempt);
      if (begun.kind === 'already_refunded') return { status: 'refused', ...refundRefusals.alreadyRefunded };
      share = begun.share;
      if (trigger.source === 'api') {
        // The pivot: money leaves here. Nothing after it is undone.
        const refunded = await stripe.createStripeRefund({
          transactionId: sale.transactionId,
          paymentIntentId: sale.stripePaymentIntentId,
          chargeId: sale.stripeChargeId,
        });
        stripeRefundId = refunded.refundId;
      }
    } catch (err) {
      const failure = failureOf(err);
      for (const undo of compensations) await undo(failure);
      // If the money did move after all (an answer lost in a timeout), Stripe's `charge.refunded` webhook
      // starts this workflow again and the refund completes from there.
      await tellEscrow(escrowSignals.refundReverted);
      return { status: 'refused', ...failure };
    }

    const result = await mustFinish.completeRefund(attempt, { stripeRefundId, share });
    upsertSearchAttributes(saleStatusAttribute(share));
    await tellEscrow(escrowSignals.saleRefunded, { share });
    return { status: 'refunded', result };
  }

  /** The sale's escrow workflow ends its hold early; once it has released the share it is closed, which is fine. */
  async function tellEscrow<Args extends unknown[]>(signal: SignalDefinition<Args>, ...args: Args): Promise<void> {
    try {
      await getExternalWorkflowHandle(escrowWorkflowId(sale.transactionId)).signal(signal, ...args);
    } catch (err) {
      log.info('escrow workflow not running; nothing to tell it', { signal: signal.name, error: String(err) });
    }
  }
}

/** A business refusal keeps its code; anything else (retries exhausted, timeouts) means "try again later". */
function failureOf(err: unknown): Failure {
  const cause = err instanceof ActivityFailure ? err.cause : err;
  if (cause instanceof ApplicationFailure && (REFUND_FAILURE_CODES as readonly string[]).includes(cause.type ?? '')) {
    return { code: cause.type as RefundFailureCode, message: cause.message };
  }
  return { code: 'payment_provider_unavailable', message: 'Payment processing unavailable - retry' };
}
