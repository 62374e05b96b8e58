/**
 * POST /api/webhooks/stripe: signature verification over the raw body, the inbox, and exactly-once effects
 * under Stripe's at-least-once, unordered delivery.
 */
import { randomUUID } from 'node:crypto';
import { loadConfig } from '../../src/config';
import type Stripe from 'stripe';
import { estimateStripeFee } from '../../src/domain/money';
import { receiveStripeEvent, webhookHandlers } from '../../src/webhooks';
import type { WebhookHandlers } from '../../src/webhooks/types';
import { checkoutStateQuery } from '../../src/temporal/contracts/checkout';
import { startTestApi, type TestApi } from '../support/api';
import { checkoutOutcome, checkoutWorkflowId, startCheckout, terminateEscrows } from '../support/checkout';
import { createCourse, createUser } from '../support/fixtures';
import { checkoutSessionEvent, deliver, otherEvent, sign, type StripeTestEvent } from '../support/stripe-webhooks';

let t: TestApi;
const config = loadConfig(process.env);
const sales: string[] = [];

beforeAll(async () => {
  t = await startTestApi();
});
afterAll(async () => {
  await terminateEscrows(t, sales);
  await t?.close();
});

async function openCheckout(couponPercent?: number) {
  const instructor = await createUser(t.deps.knex, config, 'instructor');
  const student = await createUser(t.deps.knex, config, 'student');
  const course = await createCourse(t.deps.knex, instructor.id, { priceCents: 7900 });
  let couponCode: string | undefined;
  if (couponPercent) {
    couponCode = `W${randomUUID().slice(0, 8).toUpperCase()}`;
    await t.deps.knex('coupons').insert({
      code: couponCode,
      creator_id: instructor.id,
      course_id: course.id,
      discount_type: 'percentage',
      percent_off: couponPercent,
      max_uses: 10,
    });
  }
  const checkout = await startCheckout(t, student, course.id, couponCode);
  return { student, course, checkout, couponCode };
}

async function inboxRow(eventId: string) {
  return t.deps.knex('stripe_events').where({ id: eventId }).first();
}

describe('signature (MKT-034)', () => {
  test('missing, wrong-secret, tampered and stale signatures are 401 and record nothing', async () => {
    const { checkout } = await openCheckout();
    const evt = checkoutSessionEvent('checkout.session.completed', {
      sessionId: checkout.sessionId,
      transactionId: checkout.checkoutId,
      amountSubtotalCents: 7900,
    });
    const { payload, signature } = sign(evt);
    const post = () => t.request.post('/api/webhooks/stripe').set('Content-Type', 'application/json');

    const attempts = [
      await post().send(payload),
      await deliver(t.request, evt, { secret: 'whsec_not_ours' }),
      await post()
        .set('Stripe-Signature', signature)
        .send(payload.replace('"amount_subtotal": 7900', '"amount_subtotal": 100')),
      // Stripe's default tolerance is 5 minutes: a correctly signed but replayed old delivery is refused.
      await deliver(t.request, evt, { timestamp: Math.floor(Date.now() / 1000) - 301 }),
      await post().set('Stripe-Signature', 'garbage').send(payload),
    ];
    for (const res of attempts) {
      expect(res.status).toBe(401);
      expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    }
    expect(attempts.map((r) => r.body.detail)).toEqual([
      'Missing Stripe-Signature header',
      'Invalid Stripe signature',
      'Invalid Stripe signature',
      'Invalid Stripe signature',
      'Invalid Stripe signature',
    ]);
    expect(await inboxRow(evt.id)).toBeUndefined();
    const state = await t.deps.temporal.workflow
      .getHandle(await checkoutWorkflowId(t, checkout.checkoutId))
      .query(checkoutStateQuery);
    expect(state).toMatchObject({ phase: 'awaiting_payment', eventIds: [] });
    expect(await t.deps.knex('transactions').where({ id: checkout.checkoutId }).first('status')).toEqual({
      status: 'pending',
    });
  });

  test('a correctly signed body that is not JSON is a 400', async () => {
    const payload = 'not json';
    const signature = (await import('stripe')).default.webhooks.generateTestHeaderString({
      payload,
      secret: config.STRIPE_WEBHOOK_SECRET,
    });
    const res = await t.request
      .post('/api/webhooks/stripe')
      .set('Content-Type', 'application/json')
      .set('Stripe-Signature', signature)
      .send(payload);
    expect(res.status).toBe(400);
  });
});

describe('inbox', () => {
  test('each event is recorded once; a redelivery is acknowledged as a duplicate', async () => {
    const { checkout } = await openCheckout();
    const evt = checkoutSessionEvent('checkout.session.completed', {
      sessionId: checkout.sessionId,
      transactionId: checkout.checkoutId,
      amountSubtotalCents: 7900,
    });
    const first = await deliver(t.request, evt);
    const again = await deliver(t.request, evt);
    expect(first.body).toEqual({ received: true, outcome: 'handled' });
    expect(again.body).toEqual({ received: true, outcome: 'duplicate' });
    const row = await inboxRow(evt.id);
    expect(row).toMatchObject({
      type: 'checkout.session.completed',
      workflow_id: await checkoutWorkflowId(t, checkout.checkoutId),
    });
    expect(row.handled_at).toBeInstanceOf(Date);
    expect(row.payload).toEqual(evt);
    sales.push((await checkoutOutcome(t, checkout.checkoutId)).transactionId);
  });

  test('types without a handler are recorded and acknowledged', async () => {
    for (const type of ['customer.created', 'product.updated'] as const) {
      expect(webhookHandlers[type]).toBeUndefined();
      const evt = otherEvent(type);
      const res = await deliver(t.request, evt);
      expect(res.status).toBe(200);
      expect(res.body).toEqual({ received: true, outcome: 'ignored' });
      expect(await inboxRow(evt.id)).toMatchObject({ type, workflow_id: null, handled_at: expect.any(Date) });
    }
  });

  test('an event whose hand-over failed stays unhandled, and the next delivery hands it over', async () => {
    const evt = otherEvent('invoice.paid') as unknown as Stripe.Event;
    const calls: string[] = [];
    const down: WebhookHandlers = {
      'invoice.paid': async () => {
        calls.push('down');
        throw new Error('Temporal unavailable');
      },
    };
    const up: WebhookHandlers = {
      'invoice.paid': async () => {
        calls.push('up');
        return { workflowId: 'wf-invoice' };
      },
    };
    await expect(receiveStripeEvent(t.deps, evt, down)).rejects.toThrow('Temporal unavailable');
    expect(await inboxRow(evt.id)).toMatchObject({ handled_at: null, workflow_id: null });
    expect(await receiveStripeEvent(t.deps, evt, up)).toEqual({ outcome: 'handled', workflowId: 'wf-invoice' });
    expect(await receiveStripeEvent(t.deps, evt, up)).toEqual({ outcome: 'duplicate' });
    expect(calls).toEqual(['down', 'up']);
    expect(await inboxRow(evt.id)).toMatchObject({ workflow_id: 'wf-invoice', handled_at: expect.any(Date) });
  });

  test('a Checkout Session that is not one of ours is acknowledged and changes nothing', async () => {
    const evt = checkoutSessionEvent('checkout.session.completed', {
      sessionId: 'cs_test_foreign',
      transactionId: randomUUID(),
      amountSubtotalCents: 1000,
    });
    const res = await deliver(t.request, evt);
    expect(res.body).toEqual({ received: true, outcome: 'handled' });
    expect(await inboxRow(evt.id)).toMatchObject({ workflow_id: null });
  });
});

describe('exactly once under concurrent, duplicated, out-of-order delivery', () => {
  test('5 concurrent deliveries of each event, shuffled → one transaction, revenue record, enrollment and coupon use', async () => {
    const { student, course, checkout, couponCode } = await openCheckout(20);
    expect(checkout.netCents).toBe(6320);
    const spec = {
      sessionId: checkout.sessionId,
      transactionId: checkout.checkoutId,
      amountSubtotalCents: 6320,
      taxCents: 521,
    };
    const events = [
      checkoutSessionEvent('checkout.session.completed', spec),
      checkoutSessionEvent('checkout.session.async_payment_succeeded', spec),
    ];
    const deliveries: StripeTestEvent[] = events.flatMap((e) => Array.from({ length: 5 }, () => e));
    // A fixed, interleaved order: the second event type arrives first.
    const order = [9, 0, 5, 3, 8, 1, 6, 2, 7, 4].map((i) => deliveries[i]);
    const results = await Promise.all(order.map((e) => deliver(t.request, e)));
    expect(results.map((r) => r.status)).toEqual(Array(10).fill(200));

    const outcome = await checkoutOutcome(t, checkout.checkoutId);
    expect(outcome).toMatchObject({ status: 'completed', transactionId: checkout.checkoutId });
    sales.push(outcome.transactionId);

    const count = async (table: string, where: Record<string, unknown>) =>
      (await t.deps.knex(table).where(where).count('* as n').first())?.n;
    expect(await count('transactions', { buyer_id: student.id, course_id: course.id })).toBe(1);
    expect(await count('revenue_records', { transaction_id: outcome.transactionId })).toBe(1);
    expect(await count('enrollments', { student_id: student.id, course_id: course.id })).toBe(1);
    expect(await count('notifications', { user_id: student.id, kind: 'purchase_confirmation' })).toBe(1);
    expect(await count('transaction_audit_logs', { transaction_id: outcome.transactionId, action: 'purchase' })).toBe(
      1,
    );
    expect(
      await count('transaction_audit_logs', { transaction_id: outcome.transactionId, action: 'coupon_applied' }),
    ).toBe(1);
    expect(await t.deps.knex('coupons').where({ code: couponCode }).first('current_uses')).toEqual({ current_uses: 1 });
    expect(await t.deps.knex('transactions').where({ id: outcome.transactionId }).first()).toMatchObject({
      status: 'completed',
      amount_net_cents: 6320,
      tax_cents: 521,
      stripe_fee_cents: estimateStripeFee(6320 + 521), // on the amount charged, tax included
    });
    expect(await t.deps.knex('revenue_records').where({ transaction_id: outcome.transactionId }).first()).toMatchObject(
      {
        instructor_amount_cents: 4424,
        platform_amount_cents: 1896,
      },
    );
    expect(await count('stripe_events', { workflow_id: await checkoutWorkflowId(t, checkout.checkoutId) })).toBe(2);

    // A late "expired" for the same session (it cannot really happen, but delivery order is Stripe's) changes nothing.
    const late = await deliver(t.request, checkoutSessionEvent('checkout.session.expired', spec));
    expect(late.status).toBe(200);
    expect(await t.deps.knex('transactions').where({ id: outcome.transactionId }).first('status')).toEqual({
      status: 'completed',
    });
  });
});
