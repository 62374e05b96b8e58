import {
  allHandlersFinished,
  ApplicationFailure,
  CancellationScope,
  condition,
  isCancellation,
  log,
  ParentClosePolicy,
  proxyActivities,
  setCurrentDetails,
  setHandler,
  sleep,
  startChild,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import { WorkflowExecutionAlreadyStartedError, type Duration } from '@temporalio/common';
import type { createCheckoutActivities } from '../activities/checkout';
import type { createStripeCheckoutActivities } from '../activities/stripe-checkout';
import {
  cancelCheckoutUpdate,
  CHECKOUT_FAILURES,
  type CheckoutEvent,
  checkoutEventSignal,
  type CheckoutFailureReason,
  type CheckoutInput,
  type CheckoutPhase,
  type CheckoutResult,
  type CheckoutSessionFacts,
  checkoutSessionUpdate,
  type CheckoutSessionView,
  checkoutStateQuery,
} from '../src/temporal/contracts/checkout';
import { ESCROW_WORKFLOW, type EscrowInput, escrowWorkflowId } from '../src/temporal/contracts/escrow';
import { saleSearchAttributes, saleStatusAttribute } from '../src/temporal/contracts/sale';
import { siblingQueue } from '../src/temporal/shared';

const db = proxyActivities<ReturnType<typeof createCheckoutActivities>>({
  startToCloseTimeout: '30 seconds',
  // The buyer has paid by the time fulfilment runs: keep trying for hours before giving up visibly.
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '5 minutes', maximumAttempts: 60 },
});

const stripe = proxyActivities<ReturnType<typeof createStripeCheckoutActivities>>({
  taskQueue: siblingQueue(workflowInfo().taskQueue, 'payments'),
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '30 seconds', maximumAttempts: 8 },
});

/** How long `POST /api/checkout/create` waits for the session before answering "retry" (the workflow keeps going). */
const SESSION_WAIT = '10 seconds';
/** Bank debits settle in days; a session completed as `unpaid` is re-checked with Stripe after this long. */
const ASYNC_PAYMENT_RECHECK = '7 days';

/**
 * One checkout attempt (DESIGN §4): creates the Stripe Checkout Session, waits for the payment events the
 * webhook hands over (or the deadline, or a cancellation), then records the sale in one DB transaction and
 * starts the sale's escrow timer. Ends `failed` (with a reason, and no enrollment) when the session expires,
 * the payment fails or the buyer restarts checkout with other terms.
 */
export async function checkoutWorkflow(input: CheckoutInput): Promise<CheckoutResult> {
  let phase = 'creating_session' as CheckoutPhase; // widened: handlers and helpers change it
  let session: CheckoutSessionView | null = null;
  let failureReason: CheckoutFailureReason | null = null;
  let cancelRequested: CheckoutFailureReason | null = null;
  const seen = new Set<string>();
  const inbox: CheckoutEvent[] = [];
  const closed = () => phase === 'completed' || phase === 'failed';

  setHandler(checkoutEventSignal, (event) => {
    // Stripe redelivers and our webhook may hand an event over twice: each event counts once.
    if (seen.has(event.eventId)) return;
    seen.add(event.eventId);
    inbox.push(event);
  });
  setHandler(checkoutStateQuery, () => ({ phase, session, failureReason, eventIds: [...seen] }));
  setHandler(
    checkoutSessionUpdate,
    async () => {
      await condition(() => session !== null || closed(), SESSION_WAIT);
      if (phase === 'awaiting_payment' && session) return session;
      throw refusal();
    },
    { validator: () => refuseUnlessOpen() },
  );
  setHandler(
    cancelCheckoutUpdate,
    async (reason: CheckoutFailureReason) => {
      cancelRequested ??= reason;
      await condition(() => closed() || phase === 'payment_processing');
      if (phase === 'failed') return;
      throw refusal();
    },
    { validator: (_reason: CheckoutFailureReason) => refuseUnlessOpen() },
  );

  function refuseUnlessOpen(): void {
    if (closed() || phase === 'payment_processing') throw refusal();
  }

  function refusal(): ApplicationFailure {
    if (phase === 'payment_processing' || phase === 'fulfilling' || phase === 'completed') {
      return ApplicationFailure.nonRetryable(
        'A payment for this checkout is being processed or was made',
        CHECKOUT_FAILURES.paymentProcessing,
      );
    }
    if (failureReason === 'checkout_error') {
      return ApplicationFailure.nonRetryable('Payment processing unavailable - retry', CHECKOUT_FAILURES.sessionFailed);
    }
    if (phase === 'failed')
      return ApplicationFailure.nonRetryable(`This checkout has ended (${failureReason})`, CHECKOUT_FAILURES.closed);
    return ApplicationFailure.nonRetryable(
      'The checkout session is not ready yet; retry shortly',
      CHECKOUT_FAILURES.sessionPending,
    );
  }

  function enter(next: CheckoutPhase): void {
    phase = next;
    setCurrentDetails(`**${next.replace(/_/g, ' ')}**${session ? ` · session \`${session.sessionId}\`` : ''}`);
  }

  async function fail(reason: CheckoutFailureReason): Promise<CheckoutResult> {
    await db.closeCheckout(input.transactionId, reason);
    failureReason = reason;
    enter('failed');
    upsertSearchAttributes(saleStatusAttribute('failed'));
    await condition(allHandlersFinished); // waiting requests get their answer before the workflow closes
    return { status: 'failed', transactionId: input.transactionId, failureReason: reason };
  }

  async function fulfil(facts: CheckoutSessionFacts, paidAt: string): Promise<CheckoutResult> {
    enter('fulfilling');
    const payment = facts.paymentIntentId ? await describePaymentOrSkip(facts.paymentIntentId) : null;
    const sale = await db.fulfilCheckout({
      input,
      session: { ...facts, paymentMethod: payment?.paymentMethod ?? facts.paymentMethod },
      chargeId: payment?.chargeId ?? null,
      paidAt,
    });
    await startEscrow({
      transactionId: sale.transactionId,
      revenueRecordId: sale.revenueRecordId,
      instructorId: sale.instructorId,
      courseId: input.courseId,
      releaseAt: sale.releaseAt,
    });
    enter('completed');
    upsertSearchAttributes(saleStatusAttribute('completed'));
    await condition(allHandlersFinished);
    return {
      status: 'completed',
      transactionId: sale.transactionId,
      revenueRecordId: sale.revenueRecordId,
      enrollmentId: sale.enrollmentId,
    };
  }

  // 1. The Checkout Session (idempotent by this attempt: a retried or restarted run gets the same one).
  try {
    const created = await stripe.createCheckoutSession(input);
    await db.attachCheckoutSession(input.transactionId, created.sessionId);
    session = created;
  } catch (err) {
    log.error('Checkout Session could not be created', { transactionId: input.transactionId, error: String(err) });
    return fail('checkout_error');
  }
  enter('awaiting_payment');

  // 2. Wait for the outcome. The deadline is a durable timer that a later phase may re-arm.
  const deadline = deadlineTimer();
  deadline.arm(Math.max(0, Date.parse(input.expiresAt) - workflowInfo().runStartTime.getTime()));

  for (;;) {
    await condition(
      () => inbox.length > 0 || (cancelRequested !== null && phase === 'awaiting_payment') || deadline.passed(),
    );
    const event = inbox.shift();
    if (event) {
      if (event.session.sessionId !== session.sessionId) {
        // Our metadata routed it here, but only the session this attempt created may settle it.
        log.warn('Ignoring an event for another Checkout Session', {
          eventId: event.eventId,
          sessionId: event.session.sessionId,
        });
        continue;
      }
      switch (event.type) {
        case 'checkout.session.completed':
          if (isPaid(event.session)) return fulfil(event.session, event.occurredAt);
          // Paid by a delayed method (bank debit): Stripe reports the result later; the session no longer expires.
          enter('payment_processing');
          deadline.arm(ASYNC_PAYMENT_RECHECK);
          continue;
        case 'checkout.session.async_payment_succeeded':
          return fulfil(event.session, event.occurredAt);
        case 'checkout.session.async_payment_failed':
          return fail('payment_failed');
        case 'checkout.session.expired':
          return fail('expired');
      }
    }

    // The deadline passed or the buyer moved on: make sure the session can no longer be paid — or learn that it was.
    const reason = (phase === 'awaiting_payment' && cancelRequested) || 'expired';
    const settled = await stripe.settleCheckoutSession(session.sessionId);
    if (settled.session.status !== 'complete') return fail(reason);
    if (isPaid(settled.session)) return fulfil(settled.session, settled.checkedAt);
    enter('payment_processing');
    deadline.arm(ASYNC_PAYMENT_RECHECK);
  }

  async function describePaymentOrSkip(paymentIntentId: string) {
    try {
      return await stripe.describePayment(paymentIntentId);
    } catch (err) {
      // Nice to have (charge id, actual method), never a reason to withhold a paid enrollment.
      log.warn('Payment details unavailable; recording the sale without them', { paymentIntentId, error: String(err) });
      return null;
    }
  }
}

function isPaid(facts: Pick<CheckoutSessionFacts, 'paymentStatus'>): boolean {
  return facts.paymentStatus !== 'unpaid';
}

/** A re-armable durable timer: `passed()` turns true when the latest `arm(ms)` elapses. */
function deadlineTimer() {
  let passed = false;
  let scope: CancellationScope | undefined;
  return {
    passed: () => passed,
    arm(ms: Duration) {
      scope?.cancel();
      passed = false;
      const current = new CancellationScope();
      scope = current;
      void current
        .run(() => sleep(ms))
        .then(
          () => {
            passed = true;
          },
          (err: unknown) => {
            if (!isCancellation(err)) throw err;
          },
        );
    },
  };
}

/** The sale's escrow timer (workflows/escrow.ts, started by name): outlives this checkout, one per sale. */
async function startEscrow(escrow: EscrowInput): Promise<void> {
  try {
    await startChild(ESCROW_WORKFLOW, {
      workflowId: escrowWorkflowId(escrow.transactionId),
      args: [escrow],
      parentClosePolicy: ParentClosePolicy.ABANDON,
      workflowIdReusePolicy: 'REJECT_DUPLICATE',
      typedSearchAttributes: saleSearchAttributes(escrow, { status: 'held', releaseAt: escrow.releaseAt }),
      staticSummary: `Escrow of sale ${escrow.transactionId} until ${escrow.releaseAt}`,
    });
  } catch (err) {
    // A restarted checkout re-fulfils idempotently; its sale's escrow is already running (or done).
    if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
  }
}
