import type Stripe from 'stripe';
import type { ApiDeps } from '../deps';

/**
 * Hands one verified, inbox-recorded Stripe event to the workflow it belongs to (signal / signal-with-start).
 * Must be idempotent: Stripe redelivers, and a crash between hand-over and marking the event handled
 * re-runs it; workflows drop duplicates by event id.
 */
export type WebhookHandler = (deps: ApiDeps, event: Stripe.Event) => Promise<{ workflowId?: string } | void>;

/** Handlers by event type; each domain exports its own map and `src/webhooks/index.ts` joins them. */
export type WebhookHandlers = Partial<Record<Stripe.Event.Type, WebhookHandler>>;
