/**
 * Payout test data: instructors with a Connect account that can receive transfers, and sales whose escrow
 * hold has ended (`payable`, as the escrow workflow leaves them).
 */
import { randomBytes } from 'node:crypto';
import type { Knex } from 'knex';
import type { Config } from '../../src/config';
import { estimateStripeFee, splitRevenue } from '../../src/domain/money';
import type { RecordedSale } from '../../src/sales/record-sale';
import { createCourse, createSale, createUser, type FixtureUser } from './fixtures';

/** stripe-mock accepts any acct_ destination; the flags are what `account.updated` would have recorded. */
export async function connectAccount(knex: Knex, userId: string, transfersEnabled = true): Promise<string> {
  const accountId = `acct_test${randomBytes(8).toString('hex')}`;
  await knex('users').where({ id: userId }).update({
    stripe_connect_account_id: accountId,
    connect_transfers_enabled: transfersEnabled,
    connect_payouts_enabled: transfersEnabled,
  });
  return accountId;
}

export async function createPayee(
  knex: Knex,
  config: Config,
  opts: { connected?: boolean } = {},
): Promise<FixtureUser & { accountId: string | null }> {
  const instructor = await createUser(knex, config, 'instructor');
  const accountId = opts.connected === false ? null : await connectAccount(knex, instructor.id);
  return { ...instructor, accountId };
}

/** Marks sales' instructor shares payable, as the escrow workflow does when the hold ends. */
export async function releaseShares(knex: Knex, sales: RecordedSale[]): Promise<void> {
  await knex('revenue_records')
    .whereIn(
      'id',
      sales.map((s) => s.revenueRecordId),
    )
    .update({ status: 'payable', released_at: knex.fn.now(), updated_at: knex.fn.now() });
}

/** `count` sales of one new course of the instructor, at `grossCents` each, to fresh buyers; released unless told otherwise. */
export async function sellCourse(
  knex: Knex,
  config: Config,
  instructorId: string,
  opts: { count: number; grossCents: number; release?: boolean },
): Promise<RecordedSale[]> {
  const course = await createCourse(knex, instructorId, { priceCents: opts.grossCents });
  const sales: RecordedSale[] = [];
  for (let i = 0; i < opts.count; i++) {
    const buyer = await createUser(knex, config, 'student');
    sales.push(await createSale(knex, { buyerId: buyer.id, courseId: course.id, grossCents: opts.grossCents }));
  }
  if (opts.release ?? true) await releaseShares(knex, sales);
  return sales;
}

/**
 * A refund after payout as the refund workflow leaves it, for tests without the API: the sale refunded, the
 * buyer's access revoked, the paid share clawed back by an outstanding adjustment the next payout deducts.
 */
export async function clawBack(knex: Knex, sale: RecordedSale): Promise<string> {
  await knex('transactions')
    .where({ id: sale.transactionId })
    .update({ status: 'refunded', refunded_at: knex.fn.now() });
  await knex('enrollments').where({ id: sale.enrollmentId }).update({ status: 'revoked', revoked_at: knex.fn.now() });
  const [row] = await knex('revenue_adjustments')
    .insert({
      instructor_id: sale.instructorId,
      revenue_record_id: sale.revenueRecordId,
      transaction_id: sale.transactionId,
      amount_cents: sale.instructorCents,
      reason: 'refund after payout',
    })
    .returning<{ id: string }[]>('id');
  return row.id;
}

/**
 * `count` instructors, each with a Connect account and one released sale of `grossCents`, written in a few
 * set-based statements (the same transaction and revenue rows `recordCompletedSale` writes, without the
 * enrollment and e-mail a payout does not read) — for runs of thousands of instructors.
 */
export async function seedPayees(knex: Knex, opts: { count: number; grossCents: number }): Promise<string[]> {
  const tag = randomBytes(4).toString('hex');
  const { instructorCents, platformCents } = splitRevenue(opts.grossCents);
  const [buyer] = await knex('users')
    .insert({
      email: `buyer-${tag}@example.test`,
      name: 'Seed buyer',
      role: 'student',
      password_hash: 'seeded: no login',
    })
    .returning<{ id: string }[]>('id');
  const { rows } = await knex.raw<{ rows: { instructor_id: string }[] }>(
    `WITH instructors AS (
       INSERT INTO users (email, name, role, password_hash, stripe_connect_account_id, connect_transfers_enabled, connect_payouts_enabled)
       SELECT format('payee-%s-%s@example.test', :tag::text, i), format('Payee %s', i), 'instructor', 'seeded: no login',
              format('acct_%s%s', :tag::text, i), true, true
       FROM generate_series(1, :count::int) AS i
       RETURNING id
     ), courses AS (
       INSERT INTO courses (instructor_id, title, description, category, difficulty_level, pricing_model, price_cents, status, published_at)
       SELECT id, 'Seeded course', 'Seeded for payout runs', 'other', 'beginner', 'one_time', :gross::int, 'published', now()
       FROM instructors
       RETURNING id, instructor_id
     ), sales AS (
       INSERT INTO transactions (course_id, buyer_id, stripe_checkout_session_id, stripe_payment_intent_id, amount_gross_cents,
                                 amount_discount_cents, amount_net_cents, tax_cents, stripe_fee_cents, status, completed_at, payment_method)
       SELECT id, :buyer::uuid, 'cs_seed_' || id, 'pi_seed_' || id, :gross::int, 0, :gross::int, 0, :fee::int, 'completed',
              now() - interval '10 days', 'card'
       FROM courses
       RETURNING id, course_id
     )
     INSERT INTO revenue_records (transaction_id, instructor_id, instructor_amount_cents, platform_amount_cents, status, release_at, released_at)
     SELECT s.id, c.instructor_id, :instructorCents::int, :platformCents::int, 'payable', now() - interval '3 days', now() - interval '3 days'
     FROM sales s JOIN courses c ON c.id = s.course_id
     RETURNING instructor_id`,
    {
      tag,
      count: opts.count,
      gross: opts.grossCents,
      buyer: buyer.id,
      fee: estimateStripeFee(opts.grossCents),
      instructorCents,
      platformCents,
    },
  );
  return rows.map((r) => r.instructor_id);
}
