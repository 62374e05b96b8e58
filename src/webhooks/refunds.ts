import type Stripe from 'stripe';
import type { ApiDeps } from '../deps';
import { findSale, type SaleFacts } from '../sales/facts';
import { signalEscrowWorkflow, signalRefundWorkflow } from '../sales/workflow-client';
import { escrowSignals } from '../temporal/contracts/escrow';
import { refundSignals } from '../temporal/contracts/refund';
import type { WebhookHandlers } from './types';

const idOf = (value: string | { id: string } | null | undefined): string | null =>
  typeof value === 'string' ? value : (value?.id ?? null);

/** The recorded sale a charge belongs to; a charge we never recorded (another integration's) is ignored. */
async function saleOf(
  deps: ApiDeps,
  event: Stripe.Event,
  charge: { chargeId: string | null; paymentIntentId: string | null },
): Promise<SaleFacts | undefined> {
  const sale = await findSale(deps.knex, {
    stripeChargeId: charge.chargeId,
    stripePaymentIntentId: charge.paymentIntentId,
  });
  if (sale?.revenueRecordId) return sale;
  deps.log.warn(
    { eventId: event.id, type: event.type, ...charge },
    'Stripe event for a payment with no recorded sale; ignored',
  );
  return undefined;
}

/**
 * Stripe events about refunds and disputes, turned into signals to the sale's workflows (signal-with-start:
 * a workflow that has ended is started again for the event). Both workflows drop an event id they have seen.
 */
export const refundWebhookHandlers: WebhookHandlers = {
  /** A refund made in the Stripe dashboard (or the echo of our own): converges on the sale's refund workflow. */
  'charge.refunded': async (deps, event) => {
    if (event.type !== 'charge.refunded') return;
    const charge = event.data.object;
    if (!charge.refunded) {
      // We refund whole payments only; a partial refund made by hand is for an operator to settle.
      deps.log.warn(
        { eventId: event.id, chargeId: charge.id, amountRefunded: charge.amount_refunded },
        'partial refund at Stripe; not applied',
      );
      return;
    }
    const sale = await saleOf(deps, event, { chargeId: charge.id, paymentIntentId: idOf(charge.payment_intent) });
    if (!sale) return;
    if (sale.status === 'refunded') return; // our own refund coming back, or a redelivery: already on the books
    const refundId = charge.refunds?.data[0]?.id ?? null;
    return {
      workflowId: await signalRefundWorkflow(deps, sale, refundSignals.stripeRefunded, { eventId: event.id, refundId }),
    };
  },

  /** A chargeback: the instructor's share is frozen until the dispute is closed. */
  'charge.dispute.created': async (deps, event) => {
    if (event.type !== 'charge.dispute.created') return;
    const dispute = event.data.object;
    const sale = await saleOf(deps, event, {
      chargeId: idOf(dispute.charge),
      paymentIntentId: idOf(dispute.payment_intent),
    });
    if (!sale) return;
    return {
      workflowId: await signalEscrowWorkflow(deps, sale, escrowSignals.disputeOpened, {
        eventId: event.id,
        disputeId: dispute.id,
      }),
    };
  },

  /**
   * Won (or an inquiry closed without a chargeback): the share is released as usual. Lost: the money went back
   * to the buyer's bank, so the sale is undone like a refund (without a Stripe refund).
   */
  'charge.dispute.closed': async (deps, event) => {
    if (event.type !== 'charge.dispute.closed') return;
    const dispute = event.data.object;
    const sale = await saleOf(deps, event, {
      chargeId: idOf(dispute.charge),
      paymentIntentId: idOf(dispute.payment_intent),
    });
    if (!sale) return;
    const outcome = dispute.status === 'lost' ? 'lost' : 'won';
    const workflowId = await signalEscrowWorkflow(deps, sale, escrowSignals.disputeClosed, {
      eventId: event.id,
      disputeId: dispute.id,
      outcome,
    });
    if (outcome === 'lost')
      await signalRefundWorkflow(deps, sale, refundSignals.disputeLost, { eventId: event.id, disputeId: dispute.id });
    return { workflowId };
  },
};
