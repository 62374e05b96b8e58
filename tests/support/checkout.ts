/** Checkout helpers shared by the checkout tests, the e2e story and the benchmark. */
import type { CheckoutResult } from '../../src/temporal/contracts/checkout';
import { escrowWorkflowId } from '../../src/temporal/contracts/escrow';
import type { TestApi } from './api';
import type { FixtureUser } from './fixtures';
import { checkoutSessionEvent, deliver } from './stripe-webhooks';

export interface CheckoutAnswer {
  checkoutId: string;
  sessionId: string;
  url: string;
  grossCents: number;
  discountCents: number;
  netCents: number;
  couponCode: string | null;
}

/** POST /api/checkout/create as `buyer`; asserts success (200/201) and returns the body. */
export async function startCheckout(
  t: Pick<TestApi, 'request'>,
  buyer: FixtureUser,
  courseId: string,
  couponCode?: string,
): Promise<CheckoutAnswer> {
  const res = await t.request
    .post('/api/checkout/create')
    .set(buyer.auth)
    .send({ courseId, ...(couponCode && { couponCode }) });
  if (res.status !== 201 && res.status !== 200)
    throw new Error(`checkout failed: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body as CheckoutAnswer;
}

/** The checkout workflow id of an attempt (its row knows it). */
export async function checkoutWorkflowId(t: Pick<TestApi, 'deps'>, checkoutId: string): Promise<string> {
  const row = await t.deps.knex('transactions').where({ id: checkoutId }).first('checkout_workflow_id');
  if (!row?.checkout_workflow_id) throw new Error(`no checkout attempt ${checkoutId}`);
  return row.checkout_workflow_id as string;
}

/** Waits for the attempt's workflow to finish and returns its result. */
export async function checkoutOutcome(t: Pick<TestApi, 'deps'>, checkoutId: string): Promise<CheckoutResult> {
  const handle = t.deps.temporal.workflow.getHandle(await checkoutWorkflowId(t, checkoutId));
  return (await handle.result()) as CheckoutResult;
}

/**
 * Escrow workflows started by fulfilment keep running (days) after a test; this branch may not even have a
 * worker for them. Terminate the ones a test created so the shared Temporal server is left tidy.
 */
export async function terminateEscrows(t: Pick<TestApi, 'deps'>, transactionIds: string[]): Promise<void> {
  await Promise.all(
    transactionIds.map((id) =>
      t.deps.temporal.workflow
        .getHandle(escrowWorkflowId(id))
        .terminate('test cleanup')
        .catch(() => undefined),
    ),
  );
}

/**
 * Stripe reports the checkout paid (a signed checkout.session.completed for its full subtotal): waits for the
 * sale to complete, then ends its escrow so the shared server stays tidy.
 */
export async function completeCheckout(
  t: Pick<TestApi, 'request' | 'deps'>,
  checkout: CheckoutAnswer,
  amountSubtotalCents: number,
): Promise<void> {
  const paid = checkoutSessionEvent('checkout.session.completed', {
    sessionId: checkout.sessionId,
    transactionId: checkout.checkoutId,
    amountSubtotalCents,
  });
  expect((await deliver(t.request, paid)).status).toBe(200);
  expect(await checkoutOutcome(t, checkout.checkoutId)).toMatchObject({ status: 'completed' });
  await terminateEscrows(t, [checkout.checkoutId]);
}
