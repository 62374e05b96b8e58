import type Stripe from 'stripe';
import type { CheckoutSessionFacts } from '../temporal/contracts/checkout';

/** The metadata we put on every Checkout Session and its PaymentIntent: our ids, so events find their checkout. */
export interface CheckoutMetadata {
  transactionId: string;
  checkoutWorkflowId: string;
  buyerId: string;
  courseId: string;
  couponId?: string;
}

/** The transaction (= checkout attempt) a session belongs to, or undefined for sessions we did not create. */
export function checkoutTransactionId(
  session: Pick<Stripe.Checkout.Session, 'metadata' | 'client_reference_id'>,
): string | undefined {
  const id = session.metadata?.transactionId ?? session.client_reference_id ?? undefined;
  return id && UUID.test(id) ? id : undefined;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function sessionStatus(status: string | null | undefined): CheckoutSessionFacts['status'] {
  return status === 'open' || status === 'complete' || status === 'expired' ? status : null;
}

function paymentStatus(status: string): CheckoutSessionFacts['paymentStatus'] {
  return status === 'paid' || status === 'no_payment_required' ? status : 'unpaid';
}

/** The payment-relevant part of a Checkout Session, small enough to travel in a workflow signal. */
export function sessionFacts(session: Stripe.Checkout.Session): CheckoutSessionFacts {
  const paymentIntent = session.payment_intent;
  return {
    sessionId: session.id,
    status: sessionStatus(session.status),
    // Stripe may add statuses; anything but a clear paid status is not paid.
    paymentStatus: paymentStatus(session.payment_status),
    paymentIntentId: typeof paymentIntent === 'string' ? paymentIntent : (paymentIntent?.id ?? null),
    amountSubtotalCents: session.amount_subtotal ?? null,
    taxCents: session.total_details?.amount_tax ?? 0,
    // Only a single allowed method says which one paid; the charge (describePayment) says it for sure.
    paymentMethod: session.payment_method_types?.length === 1 ? session.payment_method_types[0] : null,
  };
}
