import { WorkflowExecutionAlreadyStartedError } from '@temporalio/client';
import type Stripe from 'stripe';
import { checkoutStartOptions, loadCheckoutInput } from '../checkout/attempts';
import { checkoutTransactionId, sessionFacts } from '../checkout/stripe-session';
import {
  CHECKOUT_WORKFLOW,
  type CheckoutEvent,
  checkoutEventSignal,
  type CheckoutEventType,
} from '../temporal/contracts/checkout';
import type { WebhookHandler, WebhookHandlers } from './types';

/**
 * Checkout Session events → the checkout workflow of the attempt named in the session's metadata
 * (signal-with-start: a workflow that was never started is started from the attempt's row, never a closed one).
 */
const toCheckoutWorkflow: WebhookHandler = async (deps, event) => {
  const session = event.data.object as Stripe.Checkout.Session;
  const transactionId = checkoutTransactionId(session);
  const attempt = transactionId ? await loadCheckoutInput(deps.knex, deps.config, transactionId) : undefined;
  if (!attempt) {
    deps.log.info(
      { eventId: event.id, sessionId: session.id },
      'Checkout Session event without one of our checkouts; ignored',
    );
    return;
  }
  const signal: CheckoutEvent = {
    eventId: event.id,
    type: event.type as CheckoutEventType,
    occurredAt: new Date(event.created * 1000).toISOString(),
    session: sessionFacts(session),
  };
  try {
    await deps.temporal.workflow.signalWithStart(CHECKOUT_WORKFLOW, {
      ...checkoutStartOptions(deps.config, attempt.workflowId, attempt.input),
      signal: checkoutEventSignal,
      signalArgs: [signal],
    });
  } catch (err) {
    if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
    // The attempt has ended; its row says how. A payment for an ended attempt needs a person (refund or enrol).
    const level = signal.session.paymentStatus === 'paid' && attempt.status !== 'completed' ? 'error' : 'info';
    deps.log[level](
      { eventId: event.id, workflowId: attempt.workflowId, attemptStatus: attempt.status },
      'event for a closed checkout',
    );
  }
  return { workflowId: attempt.workflowId };
};

export const checkoutWebhooks: WebhookHandlers = {
  'checkout.session.completed': toCheckoutWorkflow,
  'checkout.session.async_payment_succeeded': toCheckoutWorkflow,
  'checkout.session.async_payment_failed': toCheckoutWorkflow,
  'checkout.session.expired': toCheckoutWorkflow,
};
