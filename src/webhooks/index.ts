import type Stripe from 'stripe';
import type { ApiDeps } from '../deps';
import { checkoutWebhooks } from './checkout';
import { payoutWebhookHandlers } from './payouts';
import { refundWebhookHandlers } from './refunds';
import type { WebhookHandlers } from './types';

/** Every domain's handlers. A domain adds its map here — one line; an event type belongs to one domain only. */
const domains: WebhookHandlers[] = [checkoutWebhooks, refundWebhookHandlers, payoutWebhookHandlers];

/** Joins per-domain maps; two domains claiming one event type is a wiring bug, caught at start-up. */
export function joinHandlers(maps: WebhookHandlers[]): WebhookHandlers {
  const joined: WebhookHandlers = {};
  for (const map of maps) {
    for (const [type, handler] of Object.entries(map) as [Stripe.Event.Type, WebhookHandlers[Stripe.Event.Type]][]) {
      if (joined[type]) throw new Error(`two webhook handlers for Stripe event type ${type}`);
      joined[type] = handler;
    }
  }
  return joined;
}

export const webhookHandlers = joinHandlers(domains);

export type WebhookOutcome =
  /** Handed over to its workflow. */
  | 'handled'
  /** No handler for this type: recorded and acknowledged. */
  | 'ignored'
  /** Already handled earlier (Stripe redelivered it). */
  | 'duplicate';

/**
 * A verified event: recorded once in the inbox (`stripe_events`, keyed by event id), handed to its handler
 * (signal / signal-with-start: durable once it returns), then marked handled. Returning means it is safe to
 * answer 200. A delivery that finds the event recorded but not yet handled hands it over again: handlers are
 * idempotent and workflows drop duplicate event ids, so a crash between hand-over and marking loses nothing.
 */
export async function receiveStripeEvent(
  deps: ApiDeps,
  event: Stripe.Event,
  handlers: WebhookHandlers = webhookHandlers,
): Promise<{ outcome: WebhookOutcome; workflowId?: string }> {
  const { knex } = deps;
  await knex('stripe_events').insert({ id: event.id, type: event.type, payload: event }).onConflict('id').ignore();
  const recorded = await knex('stripe_events')
    .where({ id: event.id })
    .first<{ handled_at: Date | null } | undefined>('handled_at');
  if (recorded?.handled_at) return { outcome: 'duplicate' };

  const handler = handlers[event.type];
  const result = handler ? await handler(deps, event) : undefined;
  const workflowId = result ? result.workflowId : undefined;
  await knex('stripe_events')
    .where({ id: event.id })
    .whereNull('handled_at')
    .update({ handled_at: knex.fn.now(), workflow_id: workflowId ?? null });
  return { outcome: handler ? 'handled' : 'ignored', ...(workflowId && { workflowId }) };
}
