/**
 * The ledger check over a real database: `checkLedger` (what the money tests call) and the `npm run verify`
 * command (its report and exit code), on clean books and on books broken the ways a bug would break them.
 */
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import type { Knex } from 'knex';
import { loadConfig } from '../../src/config';
import { createKnex } from '../../src/db/knex';
import { checkLedger, type LedgerReport } from '../../src/ledger/check';
import { createCourse, createSale, createUser } from '../support/fixtures';

const root = path.resolve(__dirname, '../..');

/** `npm run verify -- <args>` as an operator runs it (tsx, the environment's DATABASE_URL). */
async function verify(...args: string[]): Promise<{ code: number; stdout: string }> {
  try {
    const { stdout } = await promisify(execFile)(
      path.join(root, 'node_modules/.bin/tsx'),
      ['src/main/verify.ts', ...args],
      { cwd: root, env: process.env },
    );
    return { code: 0, stdout };
  } catch (err) {
    const e = err as { code?: number; stdout?: string };
    return { code: e.code ?? -1, stdout: e.stdout ?? '' };
  }
}

describe('ledger check', () => {
  const config = loadConfig(process.env);
  let knex: Knex;
  beforeAll(() => {
    knex = createKnex(config.DATABASE_URL);
  });
  afterAll(() => knex.destroy());

  /** An instructor with two $79 sales (one with a 20% coupon price: net $63.20), both held. */
  async function instructorWithSales() {
    const instructor = await createUser(knex, config, 'instructor');
    const buyer = await createUser(knex, config, 'student');
    const course = await createCourse(knex, instructor.id, { priceCents: 7900 });
    const other = await createCourse(knex, instructor.id, { priceCents: 7900 });
    const first = await createSale(knex, { buyerId: buyer.id, courseId: course.id, grossCents: 7900 });
    const second = await createSale(knex, {
      buyerId: buyer.id,
      courseId: other.id,
      grossCents: 7900,
      discountCents: 1580,
    });
    return { instructor, sales: [first, second] };
  }

  it('clean books: every cent of instructor share in one bucket; verify exits 0', async () => {
    const { instructor } = await instructorWithSales();
    const report = await checkLedger(knex, { instructorIds: [instructor.id] });
    expect(report).toMatchObject({
      ok: true,
      sales: 2,
      instructorShareCents: 5530 + 4424,
      unaccountedCents: 0,
      violations: [],
    });
    expect(report.buckets.held).toEqual({ count: 2, cents: 9954 });

    const run = await verify('--instructor', instructor.id, '--json');
    expect(run.code).toBe(0);
    expect((JSON.parse(run.stdout) as LedgerReport).buckets.held).toEqual({ count: 2, cents: 9954 });
    const text = await verify('--instructor', instructor.id);
    expect(text.stdout).toContain('OK: every invariant holds');
  });

  it('a refunded sale whose share is still payable: reported, unaccounted cents, verify exits 1', async () => {
    const { instructor, sales } = await instructorWithSales();
    await knex('revenue_records').where({ id: sales[0].revenueRecordId }).update({ status: 'payable' });
    // The bug: the transaction was marked refunded but its share was never taken back.
    await knex('transactions')
      .where({ id: sales[0].transactionId })
      .update({ status: 'refunded', refunded_at: knex.fn.now() });

    const report = await checkLedger(knex, { instructorIds: [instructor.id] });
    expect(report.ok).toBe(false);
    expect(report.violations.map((v) => [v.rule, v.transactionId])).toEqual(
      expect.arrayContaining([
        ['refund_not_reversed', sales[0].transactionId],
        ['refunded_access_active', sales[0].transactionId],
      ]),
    );
    expect(report.unaccountedCents).toBe(5530);

    const run = await verify('--instructor', instructor.id);
    expect(run.code).toBe(1);
    expect(run.stdout).toContain(`[refund_not_reversed] transaction ${sales[0].transactionId}`);
    // Over the whole database the broken sale is found as well.
    expect((await verify()).code).toBe(1);
  });

  it('a completed payout that does not match the shares in it', async () => {
    const { instructor, sales } = await instructorWithSales();
    const [payout] = await knex('instructor_payouts')
      .insert({
        instructor_id: instructor.id,
        payout_period: '2026-10-01',
        gross_cents: 6000,
        total_amount_cents: 6000,
        status: 'completed',
        stripe_transfer_id: `tr_${sales[0].transactionId}`,
        completed_at: knex.fn.now(),
      })
      .returning('id');
    await knex('revenue_records')
      .where({ id: sales[0].revenueRecordId })
      .update({ status: 'paid', payout_id: payout.id });
    const report = await checkLedger(knex, { instructorIds: [instructor.id] });
    expect(report.violations).toEqual([expect.objectContaining({ rule: 'payout_gross', payoutId: payout.id })]);
    expect(report.buckets.paid).toEqual({ count: 1, cents: 5530 });
  });
});
