/**
 * Stripe webhook deliveries for tests: events shaped as Stripe sends them, signed with Stripe's own signing
 * code (`stripe.webhooks.generateTestHeaderString`) and the endpoint secret the API is configured with.
 * stripe-mock does not send webhooks, so the test plays Stripe: it completes the session it was given.
 */
import { randomUUID } from 'node:crypto';
import Stripe from 'stripe';
import type supertest from 'supertest';
import { loadConfig } from '../../src/config';

const stripe = new Stripe('sk_test_signing_only');

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

export interface StripeTestEvent {
  id: string;
  object: 'event';
  type: string;
  created: number;
  data: { object: Record<string, unknown> };
  [key: string]: unknown;
}

function event(type: string, object: Record<string, unknown>, created = Math.floor(Date.now() / 1000)): StripeTestEvent {
  return {
    id: `evt_test_${randomUUID().replace(/-/g, '')}`,
    object: 'event',
    api_version: '2026-10-28',
    created,
    livemode: false,
    pending_webhooks: 1,
    request: { id: null, idempotency_key: null },
    type,
    data: { object },
  };
}

/** A Checkout Session event for one of our checkouts, as Stripe would send it. */
export function checkoutSessionEvent(type: CheckoutEventType, spec: CheckoutSessionSpec): StripeTestEvent {
  const taxCents = spec.taxCents ?? 0;
  const paymentStatus = spec.paymentStatus ?? (type === 'checkout.session.completed' || type === 'checkout.session.async_payment_succeeded' ? 'paid' : 'unpaid');
  const status = spec.status ?? (type === 'checkout.session.expired' ? 'expired' : 'complete');
  return event(type, {
    id: spec.sessionId,
    object: 'checkout.session',
    mode: 'payment',
    status,
    payment_status: paymentStatus,
    currency: 'usd',
    client_reference_id: spec.transactionId,
    metadata: { transactionId: spec.transactionId },
    payment_intent: status === 'expired' ? null : (spec.paymentIntentId ?? `pi_test_${randomUUID().replace(/-/g, '')}`),
    payment_method_types: ['card'],
    amount_subtotal: spec.amountSubtotalCents,
    amount_total: spec.amountSubtotalCents + taxCents,
    total_details: { amount_discount: 0, amount_shipping: 0, amount_tax: taxCents },
    automatic_tax: { enabled: true, status: 'complete' },
  });
}

/** Any other event (charge.refunded, customer.created, ...). */
export function otherEvent(type: string, object: Record<string, unknown> = { id: `obj_${randomUUID()}` }): StripeTestEvent {
  return event(type, object);
}

export interface SignOptions {
  secret?: string;
  /** Seconds since the epoch; default now. */
  timestamp?: number;
}

/** The exact body and the Stripe-Signature header for it. */
export function sign(evt: StripeTestEvent, options: SignOptions = {}): { payload: string; signature: string } {
  const payload = JSON.stringify(evt, null, 2);
  const signature = stripe.webhooks.generateTestHeaderString({
    payload,
    secret: options.secret ?? loadConfig(process.env).STRIPE_WEBHOOK_SECRET,
    ...(options.timestamp !== undefined && { timestamp: options.timestamp }),
  });
  return { payload, signature };
}

/** POSTs a signed delivery of `evt` to the webhook endpoint. */
export function deliver(request: ReturnType<typeof supertest>, evt: StripeTestEvent, options: SignOptions = {}) {
  const { payload, signature } = sign(evt, options);
  return request.post('/api/webhooks/stripe').set('Content-Type', 'application/json').set('Stripe-Signature', signature).send(payload);
}
