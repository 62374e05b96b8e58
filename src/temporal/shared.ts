/**
 * What the API, the workers and the workflows must agree on: task-queue names, workflow ids derived from
 * business keys, search attributes, and signal/query/update definitions. Deterministic code only: the
 * workflow bundle imports this file.
 */
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';

/** Worker pools. Each pool is one task queue; a worker process serves any subset (`--pools`). */
export const POOLS = ['core', 'payments', 'media'] as const;
export type Pool = (typeof POOLS)[number];

/** `prefix` lets several deployments or test runs share one Temporal namespace without stealing each other's tasks. */
export function taskQueue(pool: Pool, prefix = ''): string {
  return `${prefix}edustream-${pool}`;
}

/**
 * The queue of another pool as seen from inside a workflow, derived from the workflow's own (core) queue,
 * so that the prefix chosen by configuration reaches workflow code without reading the environment.
 */
export function siblingQueue(coreQueue: string, pool: Pool): string {
  const suffix = taskQueue('core');
  if (!coreQueue.endsWith(suffix)) throw new Error(`not a core task queue: ${coreQueue}`);
  return taskQueue(pool, coreQueue.slice(0, -suffix.length));
}

/** Workflow ids from business keys: a retry, a double click or a duplicated webhook lands on the same workflow. */
export const workflowId = {
  notificationFlush: (requestId: string) => `notifications-flush-${requestId}`,
  /** One escrow timer per sale. */
  escrow: (transactionId: string) => `escrow-${transactionId}`,
  /** One checkout per buyer, course and attempt: a double click or a retried request joins the open attempt. */
  checkout: (buyerId: string, courseId: string, attempt: number) => `checkout-${buyerId}-${courseId}-${attempt}`,
};

/**
 * Input of `escrowWorkflow` (workflows/escrow.ts), started by checkout fulfilment for every completed sale.
 * The hold (ESCROW_HOLD) was applied when the sale was recorded: the workflow waits until `releaseAt`.
 */
export interface EscrowInput {
  transactionId: string;
  revenueRecordId: string;
  instructorId: string;
  courseId: string;
  /** ISO timestamp at which the instructor share becomes payable. */
  releaseAt: string;
}

/** Typed search attributes, registered on the namespace at start-up (see search-attributes.ts). */
export const searchAttributes = {
  instructorId: defineSearchAttributeKey('EduInstructorId', SearchAttributeType.KEYWORD),
  courseId: defineSearchAttributeKey('EduCourseId', SearchAttributeType.KEYWORD),
  lessonId: defineSearchAttributeKey('EduLessonId', SearchAttributeType.KEYWORD),
  transactionId: defineSearchAttributeKey('EduTransactionId', SearchAttributeType.KEYWORD),
  payoutPeriod: defineSearchAttributeKey('EduPayoutPeriod', SearchAttributeType.KEYWORD),
  saleStatus: defineSearchAttributeKey('EduSaleStatus', SearchAttributeType.KEYWORD),
  releaseAt: defineSearchAttributeKey('EduReleaseAt', SearchAttributeType.DATETIME),
};

// --- checkout (workflows/checkout.ts) --------------------------------------------------------

/**
 * Input of `checkoutWorkflow`: one checkout attempt, i.e. one pending transaction row. Prices were decided
 * when the attempt was opened (course price, coupon) and are what the Checkout Session charges.
 */
export interface CheckoutInput {
  /** The pending transaction row that stands for this attempt; also the Checkout Session's client_reference_id. */
  transactionId: string;
  buyerId: string;
  buyerEmail: string;
  courseId: string;
  courseTitle: string;
  instructorId: string;
  couponId: string | null;
  couponCode: string | null;
  grossCents: number;
  discountCents: number;
  netCents: number;
  /** ISO instant the attempt was opened; anchors the session's expiry so a retried Stripe request is identical. */
  openedAt: string;
  /** ISO instant after which the checkout stops waiting for payment and expires its session. */
  expiresAt: string;
  successUrl: string;
  cancelUrl: string;
}

/** What a Checkout Session says about the payment, taken from a webhook event or from Stripe directly. */
export interface CheckoutSessionFacts {
  sessionId: string;
  status: 'open' | 'complete' | 'expired' | null;
  paymentStatus: 'paid' | 'unpaid' | 'no_payment_required';
  paymentIntentId: string | null;
  /** Before tax: what we asked for (the discounted price). */
  amountSubtotalCents: number | null;
  taxCents: number;
  paymentMethod: string | null;
}

export const CHECKOUT_EVENT_TYPES = [
  'checkout.session.completed',
  'checkout.session.async_payment_succeeded',
  'checkout.session.async_payment_failed',
  'checkout.session.expired',
] as const;
export type CheckoutEventType = (typeof CHECKOUT_EVENT_TYPES)[number];

/** A verified Stripe event about this checkout's session, handed over by the webhook route. */
export interface CheckoutEvent {
  eventId: string;
  type: CheckoutEventType;
  /** ISO instant Stripe created the event: for a payment event, when the payment completed. */
  occurredAt: string;
  session: CheckoutSessionFacts;
}

export type CheckoutPhase =
  | 'creating_session'
  | 'awaiting_payment'
  | 'payment_processing'
  | 'fulfilling'
  | 'completed'
  | 'failed';

export type CheckoutFailureReason = 'expired' | 'payment_failed' | 'superseded' | 'checkout_error';

export interface CheckoutSessionView {
  sessionId: string;
  url: string;
}

export interface CheckoutState {
  phase: CheckoutPhase;
  session: CheckoutSessionView | null;
  failureReason: CheckoutFailureReason | null;
  /** Stripe event ids already taken into account (duplicates are dropped). */
  eventIds: string[];
}

export interface CheckoutResult {
  status: 'completed' | 'failed';
  transactionId: string;
  failureReason?: CheckoutFailureReason;
  revenueRecordId?: string;
  enrollmentId?: string;
}

/** `ApplicationFailure` types the checkout's updates answer with; the API maps each to an HTTP problem. */
export const CHECKOUT_FAILURES = {
  /** The attempt ended (expired, failed, superseded) before the request reached it. */
  closed: 'CheckoutClosed',
  /** Stripe has the buyer's payment and is still processing it (bank debits): nothing to change now. */
  paymentProcessing: 'CheckoutPaymentProcessing',
  /** The Checkout Session is not created yet (Stripe slow or down); the request may be retried. */
  sessionPending: 'CheckoutSessionPending',
  /** Stripe refused to create the session. */
  sessionFailed: 'CheckoutSessionFailed',
} as const;

/** Delivers a verified Stripe event (duplicates are dropped by event id). */
export const checkoutEventSignal = defineSignal<[CheckoutEvent]>('checkoutEvent');
/** Waits until the Checkout Session exists and returns it (the API answers `POST /api/checkout/create` with it). */
export const checkoutSessionUpdate = defineUpdate<CheckoutSessionView>('checkoutSession');
/** Ends an attempt that is still awaiting payment (the buyer restarted checkout with other terms). */
export const cancelCheckoutUpdate = defineUpdate<void, [CheckoutFailureReason]>('cancelCheckout');
export const checkoutStateQuery = defineQuery<CheckoutState>('checkoutState');
