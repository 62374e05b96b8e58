/** Coupons API (MKT-029): create / list / delete for instructors, validate for buyers. */
import { randomUUID } from 'node:crypto';
import { loadConfig } from '../../src/config';
import { startTestApi, type TestApi } from '../support/api';
import { createCourse, createUser, type FixtureUser } from '../support/fixtures';

let t: TestApi;
const config = loadConfig(process.env);

beforeAll(async () => {
  t = await startTestApi();
});
afterAll(() => t?.close());

const uniqueCode = (prefix = 'C') => `${prefix}${randomUUID().slice(0, 8)}`;

async function instructorWithCourse(priceCents = 7900) {
  const instructor = await createUser(t.deps.knex, config, 'instructor');
  const course = await createCourse(t.deps.knex, instructor.id, { priceCents });
  return { instructor, course };
}

function createCoupon(user: FixtureUser, body: Record<string, unknown>) {
  return t.request.post('/api/coupons').set(user.auth).send(body);
}

function validate(user: FixtureUser, code: string, courseId: string) {
  return t.request.post('/api/coupons/validate').set(user.auth).send({ code, courseId });
}

describe('create', () => {
  test('percentage and fixed-amount coupons; codes stored upper-case', async () => {
    const { instructor, course } = await instructorWithCourse();
    const code = uniqueCode('pct');
    const pct = await createCoupon(instructor, {
      code,
      courseId: course.id,
      discountType: 'percentage',
      discountValue: 20,
      maxUses: 5,
    });
    expect(pct.status).toBe(201);
    expect(pct.body).toMatchObject({
      code: code.toUpperCase(),
      courseId: course.id,
      discountType: 'percentage',
      percentOff: 20,
      amountOffCents: null,
      maxUses: 5,
      currentUses: 0,
      expiresAt: null,
    });

    const expiresAt = new Date(Date.now() + 86_400_000).toISOString();
    const fixed = await createCoupon(instructor, {
      code: uniqueCode(),
      discountType: 'fixed_amount',
      discountValue: '10.50',
      expiresAt,
    });
    expect(fixed.status).toBe(201);
    expect(fixed.body).toMatchObject({
      courseId: null,
      discountType: 'fixed_amount',
      percentOff: null,
      amountOffCents: 1050,
      maxUses: null,
      expiresAt,
    });
  });

  test('duplicate code (any case) → 409 "Coupon code already exists"', async () => {
    const { instructor } = await instructorWithCourse();
    const code = uniqueCode();
    expect((await createCoupon(instructor, { code, discountType: 'percentage', discountValue: 10 })).status).toBe(201);
    const other = await createUser(t.deps.knex, config, 'instructor');
    const dup = await createCoupon(other, { code: code.toLowerCase(), discountType: 'percentage', discountValue: 15 });
    expect(dup.status).toBe(409);
    expect(dup.body.detail).toBe('Coupon code already exists');
  });

  test('invalid discounts and dates are 400s', async () => {
    const { instructor, course } = await instructorWithCourse(1000);
    const bad: [Record<string, unknown>, RegExp][] = [
      [{ discountType: 'percentage', discountValue: 101 }, /whole number from 1 to 100/],
      [{ discountType: 'percentage', discountValue: 12.5 }, /whole number from 1 to 100/],
      [{ discountType: 'percentage', discountValue: 0 }, /whole number from 1 to 100/],
      [{ discountType: 'fixed_amount', discountValue: 0 }, /more than \$0\.00/],
      [{ discountType: 'fixed_amount', discountValue: '4.999' }, /dollar amount/],
      [{ discountType: 'fixed_amount', discountValue: -5 }, /dollar amount/],
      // Would leave less than Stripe's $0.50 minimum on this $10 course.
      [{ discountType: 'fixed_amount', discountValue: 9.8, courseId: course.id }, /below the minimum charge/],
      [{ discountType: 'percentage', discountValue: 100, courseId: course.id }, /below the minimum charge/],
      [
        { discountType: 'percentage', discountValue: 10, expiresAt: new Date(Date.now() - 1000).toISOString() },
        /in the future/,
      ],
      [{ discountType: 'percentage', discountValue: 10, maxUses: 0 }, /maxUses/],
      [{ discountType: 'bogus', discountValue: 10 }, /discountType/],
    ];
    for (const [body, detail] of bad) {
      const res = await createCoupon(instructor, { code: uniqueCode(), ...body });
      expect({ body, status: res.status }).toEqual({ body, status: 400 });
      expect(res.body.detail).toMatch(detail);
    }
    expect(
      (await createCoupon(instructor, { code: 'x y', discountType: 'percentage', discountValue: 10 })).status,
    ).toBe(400);
  });

  test('only instructors, only for their own courses', async () => {
    const { course } = await instructorWithCourse();
    const student = await createUser(t.deps.knex, config, 'student');
    const stranger = await createUser(t.deps.knex, config, 'instructor');
    const body = { code: uniqueCode(), courseId: course.id, discountType: 'percentage', discountValue: 10 };
    expect((await createCoupon(student, body)).status).toBe(403);
    const theirs = await createCoupon(stranger, body);
    expect(theirs.status).toBe(403);
    expect(theirs.body.detail).toBe('You can only create coupons for your own courses');
    expect((await createCoupon(stranger, { ...body, courseId: randomUUID() })).status).toBe(404);
    expect((await t.request.post('/api/coupons').send(body)).status).toBe(401);
  });
});

test('list: own live coupons, newest first; delete: owner or admin, then it no longer applies', async () => {
  const { instructor, course } = await instructorWithCourse();
  const other = await instructorWithCourse();
  const a = await createCoupon(instructor, { code: uniqueCode(), discountType: 'percentage', discountValue: 10 });
  const b = await createCoupon(instructor, {
    code: uniqueCode(),
    courseId: course.id,
    discountType: 'percentage',
    discountValue: 20,
  });
  await createCoupon(other.instructor, { code: uniqueCode(), discountType: 'percentage', discountValue: 30 });

  const list = await t.request.get('/api/coupons').set(instructor.auth);
  expect(list.status).toBe(200);
  expect(list.body.items.map((c: { id: string }) => c.id)).toEqual([b.body.id, a.body.id]);

  expect((await t.request.delete(`/api/coupons/${b.body.id}`).set(other.instructor.auth)).status).toBe(403);
  expect((await t.request.delete(`/api/coupons/${b.body.id}`).set(instructor.auth)).status).toBe(204);
  expect((await t.request.delete(`/api/coupons/${b.body.id}`).set(instructor.auth)).status).toBe(404);
  const after = await t.request.get('/api/coupons').set(instructor.auth);
  expect(after.body.items.map((c: { id: string }) => c.id)).toEqual([a.body.id]);

  const student = await createUser(t.deps.knex, config, 'student');
  const gone = await validate(student, b.body.code, course.id);
  expect(gone.status).toBe(404);
  expect(gone.body.detail).toBe('Coupon code not found');

  const admin = await createUser(t.deps.knex, config, 'admin');
  expect((await t.request.delete(`/api/coupons/${a.body.id}`).set(admin.auth)).status).toBe(204);
});

describe('validate', () => {
  test('returns the discount and resulting price; case-insensitive', async () => {
    const { instructor, course } = await instructorWithCourse(7900);
    const code = uniqueCode();
    await createCoupon(instructor, { code, courseId: course.id, discountType: 'percentage', discountValue: 20 });
    const student = await createUser(t.deps.knex, config, 'student');
    const res = await validate(student, ` ${code.toLowerCase()} `, course.id);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      valid: true,
      code: code.toUpperCase(),
      courseId: course.id,
      discountType: 'percentage',
      percentOff: 20,
      amountOffCents: null,
      grossCents: 7900,
      discountCents: 1580,
      netCents: 6320,
    });
  });

  test('each failure with the spec’s status and message', async () => {
    const { instructor, course } = await instructorWithCourse();
    const elsewhere = await createCourse(t.deps.knex, instructor.id);
    const student = await createUser(t.deps.knex, config, 'student');
    const insert = async (fields: Record<string, unknown>) => {
      const code = uniqueCode('V').toUpperCase();
      await t.deps
        .knex('coupons')
        .insert({ code, creator_id: instructor.id, discount_type: 'percentage', percent_off: 10, ...fields });
      return code;
    };
    const cases: [string, number, string][] = [
      ['UNKNOWN-CODE', 404, 'Coupon code not found'],
      [await insert({ expires_at: new Date(Date.now() - 60_000) }), 400, 'Coupon expired'],
      [await insert({ max_uses: 1, current_uses: 1 }), 400, 'Coupon usage limit reached'],
      [await insert({ course_id: elsewhere.id }), 400, 'Coupon not valid for this course'],
    ];
    for (const [code, status, detail] of cases) {
      const res = await validate(student, code, course.id);
      expect({ code, status: res.status, detail: res.body.detail }).toEqual({ code, status, detail });
    }
    expect((await validate(student, 'ANY', randomUUID())).status).toBe(404);
  });
});
