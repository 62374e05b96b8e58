/**
 * Stripe events as Stripe would send them, signed with Stripe's own signing code
 * (`stripe.webhooks.generateTestHeaderString`) and the endpoint secret. stripe-mock sends no webhooks, so the
 * tests and `npm run demo` play Stripe: they deliver the events Stripe would deliver after a payment or an
 * onboarding. Never used by the running system itself.
 */
import { randomUUID } from 'node:crypto';
import Stripe from 'stripe';

const signer = new Stripe('sk_test_signing_only');

export interface SimulatedStripeEvent {
  id: string;
  object: 'event';
  type: string;
  created: number;
  data: { object: Record<string, unknown> };
  [key: string]: unknown;
}

const stripeId = (prefix: string) => `${prefix}_test_${randomUUID().replace(/-/g, '')}`;

export function simulatedEvent(
  type: string,
  object: Record<string, unknown>,
  opts: { created?: number; account?: string } = {},
): SimulatedStripeEvent {
  return {
    id: stripeId('evt'),
    object: 'event',
    api_version: '2026-10-28',
    created: opts.created ?? Math.floor(Date.now() / 1000),
    livemode: false,
    pending_webhooks: 1,
    request: { id: null, idempotency_key: null },
    type,
    data: { object },
    ...(opts.account && { account: opts.account }),
  };
}

export type CheckoutEventType =
  | 'checkout.session.completed'
  | 'checkout.session.async_payment_succeeded'
  | 'checkout.session.async_payment_failed'
  | 'checkout.session.expired';

export interface CheckoutSessionSpec {
  /** The session the API answered with (`sessionId`). */
  sessionId: string;
  /** The checkout attempt (`checkoutId` in the API's answer): our metadata on the session. */
  transactionId: string;
  amountSubtotalCents: number;
  taxCents?: number;
  paymentStatus?: 'paid' | 'unpaid';
  status?: 'open' | 'complete' | 'expired';
  paymentIntentId?: string;
}

/** A Checkout Session event for one of our checkouts. */
export function checkoutSessionEvent(type: CheckoutEventType, spec: CheckoutSessionSpec): SimulatedStripeEvent {
  const taxCents = spec.taxCents ?? 0;
  const paid = type === 'checkout.session.completed' || type === 'checkout.session.async_payment_succeeded';
  const paymentStatus = spec.paymentStatus ?? (paid ? 'paid' : 'unpaid');
  const status = spec.status ?? (type === 'checkout.session.expired' ? 'expired' : 'complete');
  return simulatedEvent(type, {
    id: spec.sessionId,
    object: 'checkout.session',
    mode: 'payment',
    status,
    payment_status: paymentStatus,
    currency: 'usd',
    client_reference_id: spec.transactionId,
    metadata: { transactionId: spec.transactionId },
    payment_intent: status === 'expired' ? null : (spec.paymentIntentId ?? stripeId('pi')),
    payment_method_types: ['card'],
    amount_subtotal: spec.amountSubtotalCents,
    amount_total: spec.amountSubtotalCents + taxCents,
    total_details: { amount_discount: 0, amount_shipping: 0, amount_tax: taxCents },
    automatic_tax: { enabled: true, status: 'complete' },
  });
}

/** `account.updated` for a Connect account that finished onboarding: it can receive transfers and pay out. */
export function accountOnboardedEvent(accountId: string): SimulatedStripeEvent {
  return simulatedEvent(
    'account.updated',
    {
      id: accountId,
      object: 'account',
      type: 'express',
      charges_enabled: true,
      payouts_enabled: true,
      details_submitted: true,
      capabilities: { transfers: 'active' },
    },
    { account: accountId },
  );
}

/** The exact body and its `Stripe-Signature` header. */
export function signEvent(
  evt: SimulatedStripeEvent,
  secret: string,
  timestamp?: number,
): { payload: string; signature: string } {
  const payload = JSON.stringify(evt, null, 2);
  const signature = signer.webhooks.generateTestHeaderString({
    payload,
    secret,
    ...(timestamp !== undefined && { timestamp }),
  });
  return { payload, signature };
}
