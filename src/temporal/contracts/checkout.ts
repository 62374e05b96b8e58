/** Contract of `checkoutWorkflow` (workflows/checkout.ts): one checkout attempt. */
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';

export const CHECKOUT_WORKFLOW = 'checkoutWorkflow';

/** One checkout per buyer, course and attempt: a double click or a retried request joins the open attempt. */
export const checkoutWorkflowId = (buyerId: string, courseId: string, attempt: number) =>
  `checkout-${buyerId}-${courseId}-${attempt}`;

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
  'creating_session' | 'awaiting_payment' | 'payment_processing' | 'fulfilling' | 'completed' | 'failed';

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
