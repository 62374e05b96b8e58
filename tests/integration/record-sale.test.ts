import { randomUUID } from 'node:crypto';
import type { Knex } from 'knex';
import { loadConfig } from '../../src/config';
import { createKnex } from '../../src/db/knex';
import { recordCompletedSale, type CompletedSaleInput } from '../../src/sales/record-sale';
import { createCourse, createUser } from '../support/fixtures';

describe('recordCompletedSale', () => {
  const config = loadConfig(process.env);
  let knex: Knex;
  beforeAll(() => {
    knex = createKnex(config.DATABASE_URL);
  });
  afterAll(() => knex.destroy());

  async function saleFor(grossCents: number, extra: Partial<CompletedSaleInput> = {}): Promise<CompletedSaleInput> {
    const instructor = await createUser(knex, config, 'instructor');
    const buyer = await createUser(knex, config, 'student');
    const course = await createCourse(knex, instructor.id, { priceCents: grossCents });
    return {
      stripeCheckoutSessionId: `cs_test_${randomUUID()}`,
      stripePaymentIntentId: `pi_test_${randomUUID()}`,
      buyerId: buyer.id,
      courseId: course.id,
      couponId: null,
      grossCents,
      discountCents: 0,
      taxCents: 0,
      paymentMethod: 'card',
      completedAt: new Date('2026-11-01T12:00:00Z'),
      holdMs: 7 * 24 * 3600 * 1000,
      ...extra,
    };
  }

  it('records the spec MKT-015 sale: $79 → $55.30 instructor / $23.70 platform, held for 7 days, buyer enrolled', async () => {
    const input = await saleFor(7900);
    const sale = await recordCompletedSale(knex, input);
    expect(sale).toMatchObject({
      instructorCents: 5530,
      platformCents: 2370,
      created: true,
      releaseAt: '2026-11-08T12:00:00.000Z',
    });
    const tx = await knex('transactions').where({ id: sale.transactionId }).first();
    expect(tx).toMatchObject({ status: 'completed', amount_net_cents: 7900, stripe_fee_cents: 259 });
    const revenue = await knex('revenue_records').where({ id: sale.revenueRecordId }).first();
    expect(revenue).toMatchObject({ status: 'held', instructor_amount_cents: 5530, platform_amount_cents: 2370 });
    const enrollment = await knex('enrollments').where({ id: sale.enrollmentId }).first();
    expect(enrollment).toMatchObject({ status: 'active', student_id: input.buyerId, course_id: input.courseId });
    const actions = await knex('transaction_audit_logs').where({ transaction_id: sale.transactionId }).pluck('action');
    expect(actions).toEqual(['purchase']);
  });

  it('is idempotent: recording the same checkout session again (even concurrently) creates nothing new', async () => {
    const input = await saleFor(7900);
    const results = await Promise.all(
      [1, 2, 3, 4, 5].map(() => recordCompletedSale(knex, input).catch((e: Error) => e)),
    );
    const sales = results.filter((r): r is Exclude<typeof r, Error> => !(r instanceof Error));
    // Concurrent duplicates either see the recorded sale or lose the race on the unique key; none double-records.
    expect(sales.filter((s) => s.created)).toHaveLength(1);
    const again = await recordCompletedSale(knex, input);
    expect(again.created).toBe(false);
    expect(again.transactionId).toBe(sales[0].transactionId);
    expect(
      await knex('transactions')
        .where({ stripe_checkout_session_id: input.stripeCheckoutSessionId })
        .count('* as n')
        .first(),
    ).toEqual({ n: 1 });
    expect(await knex('enrollments').where({ student_id: input.buyerId }).count('* as n').first()).toEqual({ n: 1 });
  });

  it('counts a coupon use once, and never past max_uses', async () => {
    const input = await saleFor(7900);
    const instructorId = (await knex('courses').where({ id: input.courseId }).first('instructor_id')).instructor_id;
    const [coupon] = await knex('coupons')
      .insert({
        code: `T${randomUUID().slice(0, 8).toUpperCase()}`,
        creator_id: instructorId,
        course_id: input.courseId,
        discount_type: 'percentage',
        percent_off: 20,
        max_uses: 1,
      })
      .returning('id');
    const sale = await recordCompletedSale(knex, { ...input, couponId: coupon.id, discountCents: 1580 });
    expect(sale).toMatchObject({ instructorCents: 4424, platformCents: 1896 });
    await recordCompletedSale(knex, { ...input, couponId: coupon.id, discountCents: 1580 });
    const other = await saleFor(7900);
    await recordCompletedSale(knex, { ...other, courseId: input.courseId, couponId: coupon.id, discountCents: 1580 });
    expect((await knex('coupons').where({ id: coupon.id }).first()).current_uses).toBe(1);
  });
});
