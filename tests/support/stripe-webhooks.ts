/**
 * Stripe webhook deliveries for tests: events shaped as Stripe sends them, signed with Stripe's own signing
 * code (`stripe.webhooks.generateTestHeaderString`) and the endpoint secret the API is configured with.
 * stripe-mock does not send webhooks, so the test plays Stripe: it completes the session it was given.
 */
import { randomUUID } from 'node:crypto';
import type supertest from 'supertest';
import { loadConfig } from '../../src/config';
import { simulatedEvent, signEvent, type SimulatedStripeEvent } from '../../src/webhooks/simulated-events';

export {
  checkoutSessionEvent,
  type CheckoutEventType,
  type CheckoutSessionSpec,
} from '../../src/webhooks/simulated-events';
export type StripeTestEvent = SimulatedStripeEvent;

/** Any other event (charge.refunded, customer.created, ...). */
export function otherEvent(
  type: string,
  object: Record<string, unknown> = { id: `obj_${randomUUID()}` },
): StripeTestEvent {
  return simulatedEvent(type, object);
}

export interface SignOptions {
  secret?: string;
  /** Seconds since the epoch; default now. */
  timestamp?: number;
}

/** The exact body and the Stripe-Signature header for it. */
export function sign(evt: StripeTestEvent, options: SignOptions = {}): { payload: string; signature: string } {
  return signEvent(evt, options.secret ?? loadConfig(process.env).STRIPE_WEBHOOK_SECRET, options.timestamp);
}

/** POSTs a signed delivery of `evt` to the webhook endpoint. */
export function deliver(request: ReturnType<typeof supertest>, evt: StripeTestEvent, options: SignOptions = {}) {
  const { payload, signature } = sign(evt, options);
  return request
    .post('/api/webhooks/stripe')
    .set('Content-Type', 'application/json')
    .set('Stripe-Signature', signature)
    .send(payload);
}
