import { Context } from '@temporalio/activity';
import { parseDuration } from '../src/domain/time';
import type { Deps } from '../src/deps';
import { recordCompletedSale, type RecordedSale } from '../src/sales/record-sale';
import type { CheckoutFailureReason, CheckoutInput, CheckoutSessionFacts } from '../src/temporal/contracts/checkout';

export interface FulfilCheckoutInput {
  input: CheckoutInput;
  session: CheckoutSessionFacts;
  chargeId: string | null;
  /** ISO instant of the payment (the Stripe event's time): the escrow hold runs from here. */
  paidAt: string;
}

/** Checkout's database steps (core pool). Each is idempotent: a retry or a restarted workflow changes nothing twice. */
export function createCheckoutActivities(deps: Deps) {
  const { knex, log, config } = deps;
  const holdMs = parseDuration(config.ESCROW_HOLD);

  return {
    /** Links the attempt's pending transaction to its Checkout Session (support and reconciliation look it up by either). */
    async attachCheckoutSession(transactionId: string, sessionId: string): Promise<void> {
      await knex('transactions')
        .where({ id: transactionId, status: 'pending' })
        .update({ stripe_checkout_session_id: sessionId, updated_at: knex.fn.now() });
    },

    /** Ends an attempt without a sale. Only a pending attempt changes: a completed sale is never "failed" by a late event. */
    async closeCheckout(transactionId: string, reason: CheckoutFailureReason): Promise<void> {
      await knex('transactions')
        .where({ id: transactionId, status: 'pending' })
        .update({ status: 'failed', failure_reason: reason, updated_at: knex.fn.now() });
    },

    /**
     * Records the paid checkout in one DB transaction (transaction completed, revenue split held until
     * paidAt + ESCROW_HOLD, enrollment, coupon use, audit, notification) — `recordCompletedSale`, idempotent by session.
     */
    async fulfilCheckout({ input, session, chargeId, paidAt }: FulfilCheckoutInput): Promise<RecordedSale> {
      if (session.amountSubtotalCents !== null && session.amountSubtotalCents !== input.netCents) {
        log.error(
          {
            transactionId: input.transactionId,
            sessionId: session.sessionId,
            expected: input.netCents,
            charged: session.amountSubtotalCents,
          },
          'Checkout Session subtotal differs from the price we set; recording our price',
        );
      }
      const sale = await recordCompletedSale(knex, {
        stripeCheckoutSessionId: session.sessionId,
        stripePaymentIntentId: session.paymentIntentId,
        stripeChargeId: chargeId,
        checkoutWorkflowId: Context.current().info.workflowExecution?.workflowId ?? null,
        buyerId: input.buyerId,
        courseId: input.courseId,
        couponId: input.couponId,
        grossCents: input.grossCents,
        discountCents: input.discountCents,
        taxCents: session.taxCents,
        paymentMethod: session.paymentMethod,
        completedAt: new Date(paidAt),
        holdMs,
      });
      log.info({ transactionId: sale.transactionId, created: sale.created }, 'checkout fulfilled');
      return sale;
    },
  };
}
