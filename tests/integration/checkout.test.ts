/**
 * POST /api/checkout/create and the checkout workflow against real Postgres, Temporal and stripe-mock;
 * payment outcomes arrive as signed webhooks (the test plays Stripe).
 */
import { randomUUID } from 'node:crypto';
import { loadConfig } from '../../src/config';
import { checkoutStateQuery } from '../../src/temporal/contracts/checkout';
import { startTestApi, type TestApi } from '../support/api';
import { checkoutOutcome, checkoutWorkflowId, startCheckout, terminateEscrows } from '../support/checkout';
import { createCourse, createSale, createUser, type FixtureUser } from '../support/fixtures';
import { checkoutSessionEvent, deliver } from '../support/stripe-webhooks';

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

async function scene(priceCents = 7900) {
  const instructor = await createUser(t.deps.knex, config, 'instructor');
  const student = await createUser(t.deps.knex, config, 'student');
  const course = await createCourse(t.deps.knex, instructor.id, { priceCents });
  return { instructor, student, course };
}

async function insertCoupon(creatorId: string, fields: Record<string, unknown> = {}): Promise<string> {
  const code = `T${randomUUID().slice(0, 8).toUpperCase()}`;
  await t.deps
    .knex('coupons')
    .insert({ code, creator_id: creatorId, discount_type: 'percentage', percent_off: 10, ...fields });
  return code;
}

function create(buyer: FixtureUser, body: Record<string, unknown>) {
  return t.request.post('/api/checkout/create').set(buyer.auth).send(body);
}

async function transaction(id: string) {
  return t.deps.knex('transactions').where({ id }).first();
}

describe('starting a checkout', () => {
  test('answers with the Stripe session of a new pending attempt, priced from the course', async () => {
    const { student, course } = await scene(4999);
    const res = await create(student, { courseId: course.id });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({
      checkoutId: expect.any(String),
      sessionId: expect.stringMatching(/^cs_/),
      url: expect.stringMatching(/^https:\/\/checkout\.stripe\.com\//),
      course: { id: course.id, title: course.title },
      currency: 'usd',
      grossCents: 4999,
      discountCents: 0,
      netCents: 4999,
      couponCode: null,
    });
    const row = await transaction(res.body.checkoutId);
    expect(row).toMatchObject({
      status: 'pending',
      buyer_id: student.id,
      course_id: course.id,
      amount_net_cents: 4999,
      stripe_checkout_session_id: res.body.sessionId,
      checkout_workflow_id: `checkout-${student.id}-${course.id}-1`,
    });
    const state = await t.deps.temporal.workflow.getHandle(row.checkout_workflow_id).query(checkoutStateQuery);
    expect(state).toMatchObject({
      phase: 'awaiting_payment',
      session: { sessionId: res.body.sessionId, url: res.body.url },
    });
  });

  test('a double click lands on the same attempt and session', async () => {
    const { student, course } = await scene();
    const [a, b] = await Promise.all([
      create(student, { courseId: course.id }),
      create(student, { courseId: course.id }),
    ]);
    expect([a.status, b.status].sort()).toEqual([200, 201]);
    expect(b.body.checkoutId).toBe(a.body.checkoutId);
    expect(b.body.sessionId).toBe(a.body.sessionId);
    const later = await create(student, { courseId: course.id });
    expect(later.status).toBe(200);
    expect(later.body.checkoutId).toBe(a.body.checkoutId);
    expect(
      await t.deps.knex('transactions').where({ buyer_id: student.id, course_id: course.id }).count('* as n').first(),
    ).toEqual({ n: 1 });
  });

  test('Idempotency-Key replays the first answer', async () => {
    const { student, course } = await scene();
    const key = randomUUID();
    const first = await create(student, { courseId: course.id }).set('Idempotency-Key', key);
    const replay = await create(student, { courseId: course.id }).set('Idempotency-Key', key);
    expect(first.status).toBe(201);
    expect(replay.status).toBe(201);
    expect(replay.headers['idempotent-replayed']).toBe('true');
    expect(replay.body).toEqual(first.body);
  });

  test('asking again with a coupon replaces the open attempt: the old session is expired, the new one discounted', async () => {
    const { instructor, student, course } = await scene();
    const code = await insertCoupon(instructor.id, { course_id: course.id, percent_off: 25 });
    const plain = await startCheckout(t, student, course.id);
    const discounted = await create(student, { courseId: course.id, couponCode: code.toLowerCase() });
    expect(discounted.status).toBe(201);
    expect(discounted.body).toMatchObject({ grossCents: 7900, discountCents: 1975, netCents: 5925, couponCode: code });
    expect(discounted.body.checkoutId).not.toBe(plain.checkoutId);
    expect(await checkoutOutcome(t, plain.checkoutId)).toMatchObject({ status: 'failed', failureReason: 'superseded' });
    expect(await transaction(plain.checkoutId)).toMatchObject({ status: 'failed', failure_reason: 'superseded' });
    expect(await transaction(discounted.body.checkoutId)).toMatchObject({
      status: 'pending',
      checkout_workflow_id: `checkout-${student.id}-${course.id}-2`,
    });
  });

  test('unknown, unpublished and malformed courses', async () => {
    const { instructor, student } = await scene();
    const draft = await createCourse(t.deps.knex, instructor.id, { status: 'draft' });
    for (const courseId of [randomUUID(), draft.id]) {
      const res = await create(student, { courseId });
      expect(res.status).toBe(404);
      expect(res.body.detail).toBe('Course not found');
    }
    expect((await create(student, { courseId: 'nope' })).status).toBe(400);
    expect((await t.request.post('/api/checkout/create').send({ courseId: draft.id })).status).toBe(401);
  });

  test('409 "You already own this course" for an enrolled buyer and for the course’s instructor', async () => {
    const { instructor, student, course } = await scene();
    const sale = await createSale(t.deps.knex, { buyerId: student.id, courseId: course.id, grossCents: 7900 });
    for (const who of [student, instructor]) {
      const res = await create(who, { courseId: course.id });
      expect(res.status).toBe(409);
      expect(res.body.detail).toBe('You already own this course');
    }
    expect(await t.deps.knex('transactions').where({ course_id: course.id }).pluck('id')).toEqual([sale.transactionId]);
  });

  test('each coupon failure has the spec’s message and opens nothing', async () => {
    const { instructor, student, course } = await scene();
    const other = await createCourse(t.deps.knex, instructor.id);
    const cases: [string, string][] = [
      ['NO-SUCH-CODE', 'Coupon code invalid or expired'],
      [
        await insertCoupon(instructor.id, { expires_at: new Date(Date.now() - 1000) }),
        'Coupon code invalid or expired',
      ],
      [await insertCoupon(instructor.id, { max_uses: 2, current_uses: 2 }), 'Coupon usage limit reached'],
      [await insertCoupon(instructor.id, { course_id: other.id }), 'Coupon not valid for this course'],
      [
        await insertCoupon((await createUser(t.deps.knex, config, 'instructor')).id),
        'Coupon not valid for this course',
      ],
    ];
    for (const [code, message] of cases) {
      const res = await create(student, { courseId: course.id, couponCode: code });
      expect(res.status).toBe(400);
      expect(res.body.detail).toBe(message);
    }
    const belowMinimum = await insertCoupon(instructor.id, {
      discount_type: 'fixed_amount',
      percent_off: null,
      amount_off_cents: 7880,
    });
    const res = await create(student, { courseId: course.id, couponCode: belowMinimum });
    expect(res.status).toBe(400);
    expect(res.body.detail).toMatch(/below the minimum charge of \$0\.50/);
    expect(await t.deps.knex('transactions').where({ course_id: course.id }).count('* as n').first()).toEqual({ n: 0 });
  });
});

describe('payment outcomes', () => {
  test('a delayed payment (bank debit): pending while processing, then completed', async () => {
    const { student, course } = await scene();
    const checkout = await startCheckout(t, student, course.id);
    const spec = { sessionId: checkout.sessionId, transactionId: checkout.checkoutId, amountSubtotalCents: 7900 };
    expect(
      (
        await deliver(
          t.request,
          checkoutSessionEvent('checkout.session.completed', { ...spec, paymentStatus: 'unpaid' }),
        )
      ).status,
    ).toBe(200);

    const handle = t.deps.temporal.workflow.getHandle(await checkoutWorkflowId(t, checkout.checkoutId));
    let phase = '';
    for (let i = 0; i < 50 && phase !== 'payment_processing'; i++) {
      phase = (await handle.query(checkoutStateQuery)).phase;
      if (phase !== 'payment_processing') await new Promise((r) => setTimeout(r, 100));
    }
    expect(phase).toBe('payment_processing');
    expect((await transaction(checkout.checkoutId)).status).toBe('pending');

    const again = await create(student, { courseId: course.id });
    expect(again.status).toBe(409);
    expect(again.body.detail).toBe('A payment for this course is already being processed');

    await deliver(t.request, checkoutSessionEvent('checkout.session.async_payment_succeeded', spec));
    const outcome = await handle.result();
    expect(outcome).toMatchObject({ status: 'completed', transactionId: checkout.checkoutId });
    sales.push(checkout.checkoutId);
    expect(await transaction(checkout.checkoutId)).toMatchObject({ status: 'completed', amount_net_cents: 7900 });
  });

  test('a failed delayed payment fails the transaction, with no enrollment', async () => {
    const { student, course } = await scene();
    const checkout = await startCheckout(t, student, course.id);
    const spec = { sessionId: checkout.sessionId, transactionId: checkout.checkoutId, amountSubtotalCents: 7900 };
    await deliver(t.request, checkoutSessionEvent('checkout.session.completed', { ...spec, paymentStatus: 'unpaid' }));
    await deliver(t.request, checkoutSessionEvent('checkout.session.async_payment_failed', spec));
    expect(await checkoutOutcome(t, checkout.checkoutId)).toMatchObject({
      status: 'failed',
      failureReason: 'payment_failed',
    });
    expect(await transaction(checkout.checkoutId)).toMatchObject({
      status: 'failed',
      failure_reason: 'payment_failed',
    });
    expect(await t.deps.knex('enrollments').where({ student_id: student.id }).first()).toBeUndefined();

    // The buyer can try again: a fresh attempt.
    const retry = await create(student, { courseId: course.id });
    expect(retry.status).toBe(201);
    expect(retry.body.checkoutId).not.toBe(checkout.checkoutId);
  });

  test('an expired session ends the checkout cleanly', async () => {
    const { student, course } = await scene();
    const checkout = await startCheckout(t, student, course.id);
    await deliver(
      t.request,
      checkoutSessionEvent('checkout.session.expired', {
        sessionId: checkout.sessionId,
        transactionId: checkout.checkoutId,
        amountSubtotalCents: 7900,
      }),
    );
    expect(await checkoutOutcome(t, checkout.checkoutId)).toMatchObject({ status: 'failed', failureReason: 'expired' });
    expect(await transaction(checkout.checkoutId)).toMatchObject({ status: 'failed', failure_reason: 'expired' });
    expect(await t.deps.knex('enrollments').where({ student_id: student.id }).first()).toBeUndefined();
  });

  test('a paid event for a session this attempt did not create is not taken as payment', async () => {
    const { student, course } = await scene();
    const checkout = await startCheckout(t, student, course.id);
    const stranger = checkoutSessionEvent('checkout.session.completed', {
      sessionId: 'cs_test_someone_else',
      transactionId: checkout.checkoutId,
      amountSubtotalCents: 7900,
    });
    expect((await deliver(t.request, stranger)).status).toBe(200);
    const handle = t.deps.temporal.workflow.getHandle(await checkoutWorkflowId(t, checkout.checkoutId));
    const state = await handle.query(checkoutStateQuery);
    expect(state.eventIds).toContain(stranger.id);
    expect(state.phase).toBe('awaiting_payment');
    expect((await transaction(checkout.checkoutId)).status).toBe('pending');

    // An operator terminates the stuck checkout: the next request retires the orphaned attempt and opens a new one.
    await handle.terminate('operator: stuck checkout');
    const next = await create(student, { courseId: course.id });
    expect(next.status).toBe(201);
    expect(next.body.checkoutId).not.toBe(checkout.checkoutId);
    expect(await transaction(checkout.checkoutId)).toMatchObject({
      status: 'failed',
      failure_reason: 'checkout_error',
    });
  });
});
