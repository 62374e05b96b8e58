/**
 * An abandoned checkout: nobody pays and no webhook comes. With a short CHECKOUT_SESSION_TTL the workflow's
 * deadline passes, it expires the session at Stripe (stripe-mock) and ends without a sale.
 */
import { startTestApi, type TestApi } from '../support/api';
import { checkoutOutcome, startCheckout } from '../support/checkout';
import { createScene } from '../support/fixtures';
import { loadConfig } from '../../src/config';

let t: TestApi;
const previousTtl = process.env.CHECKOUT_SESSION_TTL;

beforeAll(async () => {
  process.env.CHECKOUT_SESSION_TTL = '2s';
  t = await startTestApi();
});
afterAll(async () => {
  if (previousTtl === undefined) delete process.env.CHECKOUT_SESSION_TTL;
  else process.env.CHECKOUT_SESSION_TTL = previousTtl;
  await t?.close();
});

test('an abandoned checkout expires: transaction failed, no enrollment, the next attempt starts fresh', async () => {
  const config = loadConfig(process.env);
  const { buyer: student, course } = await createScene(t.deps.knex, config);

  const checkout = await startCheckout(t, student, course.id);
  const started = Date.now();
  expect(await checkoutOutcome(t, checkout.checkoutId)).toEqual({
    status: 'failed',
    transactionId: checkout.checkoutId,
    failureReason: 'expired',
  });
  expect(Date.now() - started).toBeLessThan(15_000);
  expect(await t.deps.knex('transactions').where({ id: checkout.checkoutId }).first()).toMatchObject({
    status: 'failed',
    failure_reason: 'expired',
  });
  expect(await t.deps.knex('enrollments').where({ student_id: student.id }).first()).toBeUndefined();

  const next = await startCheckout(t, student, course.id);
  expect(next.checkoutId).not.toBe(checkout.checkoutId);
  const row = await t.deps.knex('transactions').where({ id: next.checkoutId }).first();
  expect(row.checkout_workflow_id).toBe(`checkout-${student.id}-${course.id}-2`);
});
