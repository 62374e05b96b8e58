import { ApplicationFailure } from '@temporalio/common';
import Stripe from 'stripe';
import type { Deps } from '../src/deps';

export interface StripeRefundRequest {
  transactionId: string;
  paymentIntentId: string | null;
  chargeId: string | null;
}

/** Stripe calls of the refund saga; they run on the payments pool (rate-limited to Stripe's request limit). */
export function createStripeRefundActivities(deps: Deps) {
  return {
    /**
     * Refunds the whole charge (price and tax). The idempotency key is the transaction: a retry, or a second
     * run for the same sale, gets the first refund back instead of refunding twice. A refusal (already
     * refunded elsewhere aside) is final: the saga undoes its earlier steps.
     */
    async createStripeRefund(request: StripeRefundRequest): Promise<{ refundId: string | null }> {
      const target = request.paymentIntentId
        ? { payment_intent: request.paymentIntentId }
        : request.chargeId
          ? { charge: request.chargeId }
          : null;
      if (!target) {
        throw ApplicationFailure.nonRetryable(
          `transaction ${request.transactionId} has no Stripe payment to refund`,
          'payment_provider_refused',
        );
      }
      try {
        const refund = await deps.stripe.refunds.create(
          { ...target, reason: 'requested_by_customer', metadata: { transactionId: request.transactionId } },
          { idempotencyKey: `refund-${request.transactionId}` },
        );
        return { refundId: refund.id };
      } catch (err) {
        // Refunded at Stripe already (from the dashboard, say): the money is back, which is what we wanted.
        if (err instanceof Stripe.errors.StripeError && err.code === 'charge_already_refunded')
          return { refundId: null };
        // Stripe answered and said no: retrying will not change its mind.
        if (err instanceof Stripe.errors.StripeInvalidRequestError || err instanceof Stripe.errors.StripeCardError) {
          throw ApplicationFailure.nonRetryable(err.message, 'payment_provider_refused');
        }
        throw err;
      }
    },
  };
}
