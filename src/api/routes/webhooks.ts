import Stripe from 'stripe';
import { z } from 'zod';
import { receiveStripeEvent } from '../../webhooks';
import { badRequest, HttpProblem, unavailable } from '../../problems/http-problem';
import type { RouteModule } from '../http/context';
import { defineRoute } from '../http/define-route';
import { readRawBody } from '../http/raw-body';

const WebhookAck = z
  .object({
    received: z.literal(true),
    outcome: z.enum(['handled', 'ignored', 'duplicate']),
  })
  .openapi('WebhookAck');

export const webhookRoutes: RouteModule = (router, registry, deps) => {
  defineRoute(
    router,
    registry,
    {
      method: 'post',
      path: '/api/webhooks/stripe',
      // Stripe is not throttled: it retries what we refuse, and every event counts.
      rateLimit: false,
      summary: 'Stripe webhook endpoint (signed events)',
      description:
        'Verifies the Stripe-Signature header over the raw body with the endpoint’s signing secret (default 5-minute ' +
        'tolerance), records the event once, hands it to its workflow, and answers 200 only after that hand-over.',
      tags: ['webhooks'],
      auth: 'public',
      openapi: {
        request: {
          headers: z.object({
            'stripe-signature': z.string().openapi({ description: 't=<timestamp>,v1=<HMAC-SHA256>' }),
          }),
          body: {
            required: true,
            content: { 'application/json': { schema: z.object({ id: z.string(), type: z.string() }).loose() } },
          },
        },
      },
      responses: {
        200: WebhookAck,
        401: { description: 'Missing, invalid or stale Stripe signature' },
        503: { description: 'Not handed over this time; Stripe retries the delivery' },
      },
    },
    async (ctx) => {
      const signature = ctx.get('Stripe-Signature');
      if (!signature) throw new HttpProblem(401, 'Missing Stripe-Signature header');
      const payload = await readRawBody(ctx);
      let event: Stripe.Event;
      try {
        event = deps.stripe.webhooks.constructEvent(payload, signature, deps.config.STRIPE_WEBHOOK_SECRET);
      } catch (err) {
        if (err instanceof Stripe.errors.StripeSignatureVerificationError) {
          // Someone other than Stripe, a wrong secret, or a replay: worth a look.
          ctx.state.log.warn(
            { reason: err.message, ip: ctx.ip },
            'SECURITY: rejected a Stripe webhook with a bad signature',
          );
          throw new HttpProblem(401, 'Invalid Stripe signature');
        }
        throw badRequest('Malformed event payload');
      }
      let outcome: Awaited<ReturnType<typeof receiveStripeEvent>>['outcome'];
      try {
        ({ outcome } = await receiveStripeEvent(deps, event));
      } catch (err) {
        // Not handed over (database or Temporal unreachable): not 2xx, so Stripe delivers it again later.
        ctx.state.log.error({ err, eventId: event.id, type: event.type }, 'stripe webhook not handed over');
        throw unavailable('The event could not be processed right now; it will be retried', 30);
      }
      ctx.state.log.info({ eventId: event.id, type: event.type, outcome }, 'stripe webhook');
      return { received: true as const, outcome };
    },
  );
};
