/**
 * MKT-015 through HTTP: a student buys a $79 course, Stripe (played by the test) sends a signed
 * checkout.session.completed, and the buyer ends up enrolled with the sale split $55.30 / $23.70.
 * Then the same story with PYTHON20 (20% off): charged $63.20, split $44.24 / $18.96.
 */
import { parseDuration } from '../../src/domain/time';
import { loadConfig } from '../../src/config';
import { type EscrowInput, escrowWorkflowId } from '../../src/temporal/contracts/escrow';
import { startTestApi, type TestApi } from '../support/api';
import { checkoutOutcome, startCheckout, terminateEscrows } from '../support/checkout';
import { createCourse, createReadyLessons, createUser } from '../support/fixtures';
import { checkoutSessionEvent, deliver } from '../support/stripe-webhooks';

let t: TestApi;
const sales: string[] = [];
const config = loadConfig(process.env);

beforeAll(async () => {
  t = await startTestApi();
});

afterAll(async () => {
  await terminateEscrows(t, sales);
  await t?.close();
});

async function buy(
  couponFor?: (courseId: string, instructor: Awaited<ReturnType<typeof createUser>>) => Promise<string>,
) {
  const instructor = await createUser(t.deps.knex, config, 'instructor');
  const student = await createUser(t.deps.knex, config, 'student');
  const course = await createCourse(t.deps.knex, instructor.id, { priceCents: 7900, title: 'Python for Data Science' });
  const lessons = await createReadyLessons(t.deps.knex, course.id, 5, { previews: 1 });
  const couponCode = couponFor ? await couponFor(course.id, instructor) : undefined;

  const checkout = await startCheckout(t, student, course.id, couponCode);
  expect(checkout.url).toMatch(/^https:\/\//);

  const paid = checkoutSessionEvent('checkout.session.completed', {
    sessionId: checkout.sessionId,
    transactionId: checkout.checkoutId,
    amountSubtotalCents: checkout.netCents,
  });
  const res = await deliver(t.request, paid);
  expect(res.status).toBe(200);
  expect(res.body).toEqual({ received: true, outcome: 'handled' });

  const outcome = await checkoutOutcome(t, checkout.checkoutId);
  expect(outcome.status).toBe('completed');
  sales.push(outcome.transactionId);
  return { instructor, student, course, lessons, checkout, paid, outcome };
}

test('MKT-015: $79 course → paid webhook → completed transaction, $55.30 / $23.70, enrollment, paid lessons open', async () => {
  const { instructor, student, course, lessons, checkout, paid, outcome } = await buy();
  expect(checkout).toMatchObject({ grossCents: 7900, discountCents: 0, netCents: 7900, couponCode: null });

  // The buyer sees a completed purchase with Stripe's ids.
  const mine = await t.request.get(`/api/transactions/${outcome.transactionId}`).set(student.auth);
  expect(mine.status).toBe(200);
  expect(mine.body).toMatchObject({
    id: checkout.checkoutId,
    status: 'completed',
    grossCents: 7900,
    netCents: 7900,
    stripeCheckoutSessionId: checkout.sessionId,
    stripePaymentIntentId: (paid.data.object as { payment_intent: string }).payment_intent,
    paymentMethod: 'card',
  });
  expect(mine.body).not.toHaveProperty('revenue');

  // The instructor sees the split: 70% of $79.00 held in escrow.
  const theirs = await t.request.get(`/api/transactions/${outcome.transactionId}`).set(instructor.auth);
  expect(theirs.body.revenue).toMatchObject({
    instructorCents: 5530,
    platformCents: 2370,
    status: 'held',
    stripeFeeCents: 259,
  });
  const paidAt = paid.created * 1000;
  expect(Date.parse(theirs.body.revenue.releaseAt)).toBe(paidAt + parseDuration(config.ESCROW_HOLD));

  // Enrolled: every lesson of the course, paid ones included, is now the student's to play.
  const playable = await t.deps
    .knex('course_lessons as l')
    .join('enrollments as e', 'e.course_id', 'l.course_id')
    .where({
      'e.student_id': student.id,
      'e.course_id': course.id,
      'e.status': 'active',
      'e.transaction_id': outcome.transactionId,
    })
    .pluck('l.id');
  expect(playable.sort()).toEqual(lessons.map((l) => l.id).sort());
  expect(lessons.length - 1).toBeGreaterThan(0); // paid lessons exist beyond the one preview

  // The sale's escrow timer was started by name with the sale's release time.
  const escrow = await t.deps.temporal.workflow.getHandle(escrowWorkflowId(outcome.transactionId)).describe();
  expect(escrow.type).toBe('escrowWorkflow');
  const history = await t.deps.temporal.workflow.getHandle(escrowWorkflowId(outcome.transactionId)).fetchHistory();
  const started = history.events?.[0]?.workflowExecutionStartedEventAttributes;
  const [input] = (started?.input?.payloads ?? []).map(
    (p) => JSON.parse(Buffer.from(p.data as Uint8Array).toString()) as EscrowInput,
  );
  expect(input).toEqual({
    transactionId: outcome.transactionId,
    revenueRecordId: outcome.revenueRecordId,
    instructorId: instructor.id,
    courseId: course.id,
    releaseAt: theirs.body.revenue.releaseAt,
  });

  // Buying again is refused: the course is owned.
  const again = await t.request.post('/api/checkout/create').set(student.auth).send({ courseId: course.id });
  expect(again.status).toBe(409);
  expect(again.body.detail).toBe('You already own this course');
});

test('PYTHON20: $79 − 20% → charged $63.20, split $44.24 / $18.96, coupon used once', async () => {
  let couponId = '';
  const { instructor, checkout, outcome } = await buy(async (courseId, owner) => {
    const res = await t.request
      .post('/api/coupons')
      .set(owner.auth)
      .send({ code: 'python20', courseId, discountType: 'percentage', discountValue: 20, maxUses: 100 });
    expect(res.status).toBe(201);
    couponId = res.body.id;
    return 'Python20';
  });
  expect(checkout).toMatchObject({ grossCents: 7900, discountCents: 1580, netCents: 6320, couponCode: 'PYTHON20' });

  const tx = await t.request.get(`/api/transactions/${outcome.transactionId}`).set(instructor.auth);
  expect(tx.body).toMatchObject({
    status: 'completed',
    grossCents: 7900,
    discountCents: 1580,
    netCents: 6320,
    couponCode: 'PYTHON20',
  });
  expect(tx.body.revenue).toMatchObject({ instructorCents: 4424, platformCents: 1896 });

  const coupons = await t.request.get('/api/coupons').set(instructor.auth);
  expect(coupons.body.items.find((c: { id: string }) => c.id === couponId)).toMatchObject({
    code: 'PYTHON20',
    currentUses: 1,
  });
  const audit = await t.deps
    .knex('transaction_audit_logs')
    .where({ transaction_id: outcome.transactionId })
    .pluck('action');
  expect(audit.sort()).toEqual(['coupon_applied', 'purchase']);
});
