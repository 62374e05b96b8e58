import { ApplicationFailure } from '@temporalio/activity';
import Stripe from 'stripe';
import { sessionFacts, sessionStatus } from '../src/checkout/stripe-session';
import { COURSE_TAX_CODE, isStripeTaxUnavailable } from '../src/checkout/tax';
import type { Deps } from '../src/deps';
import { formatUsd } from '../src/domain/money';
import type { CheckoutInput, CheckoutSessionFacts, CheckoutSessionView } from '../src/temporal/contracts/checkout';

/** Stripe accepts a Checkout Session expiry between 30 minutes and 24 hours after the request. */
const SESSION_MIN_LIFETIME_MS = 60 * 60 * 1000; // 1 h from opening: leaves 30 min for retried requests
const SESSION_MAX_LIFETIME_MS = 24 * 60 * 60 * 1000;

/**
 * Stripe errors that a retry cannot fix (bad parameters, bad key, reused idempotency key) fail the activity
 * for good; network errors, rate limits and Stripe's 5xx are thrown as they are and retried by the policy.
 */
export function stripeFailure(err: unknown): unknown {
  if (
    err instanceof Stripe.errors.StripeInvalidRequestError ||
    err instanceof Stripe.errors.StripeAuthenticationError ||
    err instanceof Stripe.errors.StripePermissionError ||
    err instanceof Stripe.errors.StripeIdempotencyError ||
    err instanceof Stripe.errors.StripeCardError
  ) {
    return ApplicationFailure.nonRetryable(err.message, err.type, {
      code: err.code,
      param: err.param,
      requestId: err.requestId,
    });
  }
  return err;
}

/** The session's parameters, a pure function of the attempt: a retried request is byte-for-byte the same one. */
export function checkoutSessionParams(
  input: CheckoutInput,
  automaticTax: boolean,
): Stripe.Checkout.SessionCreateParams {
  const metadata: Record<string, string> = {
    transactionId: input.transactionId,
    buyerId: input.buyerId,
    courseId: input.courseId,
    ...(input.couponId && { couponId: input.couponId }),
  };
  const opened = Date.parse(input.openedAt);
  const expiresAtMs = Math.min(
    Math.max(Date.parse(input.expiresAt), opened + SESSION_MIN_LIFETIME_MS),
    opened + SESSION_MAX_LIFETIME_MS,
  );
  return {
    mode: 'payment',
    client_reference_id: input.transactionId,
    customer_email: input.buyerEmail,
    line_items: [
      {
        quantity: 1,
        price_data: {
          currency: 'usd',
          // Charged at the discounted price: the coupon is ours, Stripe only sees what the buyer pays.
          unit_amount: input.netCents,
          tax_behavior: 'exclusive',
          product_data: {
            name: input.courseTitle,
            ...(input.couponCode && {
              description: `Coupon ${input.couponCode}: ${formatUsd(input.grossCents)} − ${formatUsd(input.discountCents)}`,
            }),
            tax_code: COURSE_TAX_CODE,
            metadata: { courseId: input.courseId },
          },
        },
      },
    ],
    metadata,
    payment_intent_data: {
      // Separate charges and transfers: the instructor's monthly transfer is linked to the sales it pays.
      transfer_group: `sale-${input.transactionId}`,
      metadata,
    },
    ...(automaticTax && { automatic_tax: { enabled: true }, billing_address_collection: 'required' as const }),
    expires_at: Math.floor(expiresAtMs / 1000),
    success_url: input.successUrl,
    cancel_url: input.cancelUrl,
  };
}

/** Checkout's Stripe calls; they run on the payments pool (rate-limited to Stripe's request budget). */
export function createStripeCheckoutActivities(deps: Deps) {
  const { stripe, log } = deps;

  return {
    /** Creates (or, on a retry, gets back) the attempt's Checkout Session. Without Stripe Tax, creates it without tax. */
    async createCheckoutSession(input: CheckoutInput): Promise<CheckoutSessionView> {
      const key = `checkout-session:${input.transactionId}`;
      let session: Stripe.Checkout.Session;
      try {
        try {
          session = await stripe.checkout.sessions.create(checkoutSessionParams(input, true), { idempotencyKey: key });
        } catch (err) {
          if (!isStripeTaxUnavailable(err)) throw err;
          log.error(
            { err, transactionId: input.transactionId },
            'Stripe Tax unavailable: checkout proceeds without tax (finance: tax not collected)',
          );
          session = await stripe.checkout.sessions.create(checkoutSessionParams(input, false), {
            idempotencyKey: `${key}:without-tax`,
          });
        }
      } catch (err) {
        throw stripeFailure(err);
      }
      if (!session.url)
        throw ApplicationFailure.nonRetryable(`Checkout Session ${session.id} has no URL`, 'StripeUnexpectedResponse');
      return { sessionId: session.id, url: session.url };
    },

    /**
     * Called when the checkout stops waiting: expires the session if it is still open, so it can no longer be
     * paid. If the buyer paid meanwhile (or the webhook went missing), returns the completed session instead.
     */
    async settleCheckoutSession(sessionId: string): Promise<{ session: CheckoutSessionFacts; checkedAt: string }> {
      const checked = (session: Stripe.Checkout.Session, status = session.status) => ({
        session: { ...sessionFacts(session), status: sessionStatus(status) },
        checkedAt: new Date().toISOString(),
      });
      try {
        const current = await stripe.checkout.sessions.retrieve(sessionId);
        if (current.status !== 'open') return checked(current);
        try {
          return checked(
            await stripe.checkout.sessions.expire(sessionId, {}, { idempotencyKey: `checkout-expire:${sessionId}` }),
            'expired',
          );
        } catch (err) {
          // Paid between our two calls: Stripe refuses to expire a completed session.
          if (!(err instanceof Stripe.errors.StripeInvalidRequestError)) throw err;
          const after = await stripe.checkout.sessions.retrieve(sessionId);
          if (after.status === 'open') throw err;
          return checked(after);
        }
      } catch (err) {
        throw stripeFailure(err);
      }
    },

    /** The charge behind a payment: its id (refunds, disputes) and the method actually used. */
    async describePayment(paymentIntentId: string): Promise<{ chargeId: string | null; paymentMethod: string | null }> {
      try {
        const intent = await stripe.paymentIntents.retrieve(paymentIntentId, { expand: ['latest_charge'] });
        const charge = intent.latest_charge;
        if (charge === null) return { chargeId: null, paymentMethod: null };
        if (typeof charge === 'string') return { chargeId: charge, paymentMethod: null };
        return { chargeId: charge.id, paymentMethod: charge.payment_method_details?.type ?? null };
      } catch (err) {
        throw stripeFailure(err);
      }
    },
  };
}
