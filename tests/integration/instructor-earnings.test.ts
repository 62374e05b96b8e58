/**
 * The instructor earnings API (spec MKT-019) over a ledger in every state a share can be in: held, disputed,
 * payable, in a payout being transferred, paid, refunded before payout (cancelled) and after (clawed back).
 */
import type { Knex } from 'knex';
import { loadConfig } from '../../src/config';
import { nextPayoutRunAt } from '../../src/domain/time';
import type { RecordedSale } from '../../src/sales/record-sale';
import { startTestApi, type TestApi } from '../support/api';
import { createCourse, createSale, createUser, type FixtureUser } from '../support/fixtures';
import { clawBack, releaseShares } from '../support/payouts';

const config = loadConfig(process.env);
const DAY = 24 * 3600 * 1000;
let api: TestApi;
let knex: Knex;

beforeAll(async () => {
  api = await startTestApi();
  knex = api.deps.knex;
});
afterAll(() => api?.close());

const ENDPOINTS = [
  '/api/instructor/earnings',
  '/api/instructor/earnings/courses',
  '/api/instructor/payouts',
  '/api/instructor/earnings/pending',
];

async function sale(courseId: string, grossCents: number, daysAgo: number): Promise<RecordedSale> {
  const buyer = await createUser(knex, config, 'student');
  return createSale(knex, {
    buyerId: buyer.id,
    courseId,
    grossCents,
    completedAt: new Date(Date.now() - daysAgo * DAY),
  });
}

async function payout(
  instructorId: string,
  period: string,
  status: 'completed' | 'processing',
  sales: RecordedSale[],
): Promise<string> {
  const gross = sales.reduce((sum, s) => sum + s.instructorCents, 0);
  const [row] = await knex('instructor_payouts')
    .insert({
      instructor_id: instructorId,
      payout_period: period,
      gross_cents: gross,
      total_amount_cents: gross,
      status,
      initiated_at: knex.fn.now(),
      ...(status === 'completed' && {
        stripe_transfer_id: `tr_${period}_${instructorId.slice(0, 8)}`,
        completed_at: knex.fn.now(),
      }),
    })
    .returning<{ id: string }[]>('id');
  await knex('revenue_records')
    .whereIn(
      'id',
      sales.map((s) => s.revenueRecordId),
    )
    .update({ status: status === 'completed' ? 'paid' : 'payable', payout_id: row.id, released_at: knex.fn.now() });
  return row.id;
}

async function refundBeforePayout(s: RecordedSale): Promise<void> {
  await knex('transactions').where({ id: s.transactionId }).update({ status: 'refunded', refunded_at: knex.fn.now() });
  await knex('revenue_records')
    .where({ id: s.revenueRecordId })
    .update({ status: 'cancelled', cancelled_at: knex.fn.now() });
  await knex('enrollments').where({ id: s.enrollmentId }).update({ status: 'revoked', revoked_at: knex.fn.now() });
}

describe('instructor earnings API', () => {
  let ada: FixtureUser;
  const ids: Record<string, string> = {};

  beforeAll(async () => {
    ada = await createUser(knex, config, 'instructor', 'Ada');
    const a = await createCourse(knex, ada.id, { title: 'A: Python', priceCents: 7900 }); // $55.30 share
    const b = await createCourse(knex, ada.id, { title: 'B: Rust', priceCents: 9900 }); // $69.30 share
    await createCourse(knex, ada.id, { title: 'C: Go', priceCents: 4900 });
    ids.a = a.id;
    ids.b = b.id;

    const held = await sale(a.id, 7900, 1);
    const payable = await sale(a.id, 7900, 10);
    await releaseShares(knex, [payable]);
    await refundBeforePayout(await sale(a.id, 7900, 3));
    const disputed = await sale(a.id, 7900, 2);
    await knex('revenue_records').where({ id: disputed.revenueRecordId }).update({ status: 'frozen' });

    const paid = [await sale(b.id, 9900, 40), await sale(b.id, 9900, 39)];
    const inTransit = await sale(b.id, 9900, 9);
    ids.completed = await payout(ada.id, '2026-09-01', 'completed', paid);
    ids.processing = await payout(ada.id, '2026-10-01', 'processing', [inTransit]);
    await clawBack(knex, paid[0]); // refunded after payout: $69.30 to deduct from the next payout
    await knex('enrollments')
      .where({ id: paid[0].enrollmentId })
      .update({ status: 'revoked', revoked_at: knex.fn.now() });
    Object.assign(ids, {
      held: held.revenueRecordId,
      payable: payable.revenueRecordId,
      disputed: disputed.revenueRecordId,
      inTransit: inTransit.revenueRecordId,
    });

    // Someone else's earnings never show up in Ada's.
    const bob = await createUser(knex, config, 'instructor', 'Bob');
    const bobs = await createCourse(knex, bob.id, { priceCents: 49900 });
    await releaseShares(knex, [await sale(bobs.id, 49900, 12)]);
  });

  it('summarises: total revenue = pending payout + lifetime payouts, each part from the ledger', async () => {
    const res = await api.request.get('/api/instructor/earnings').set(ada.auth);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      currency: 'usd',
      // shares not cancelled (3 × $55.30 + 3 × $69.30) − the clawback ($69.30)
      totalRevenue: { cents: 30450, formatted: '$304.50' },
      pendingPayout: { cents: 16590, formatted: '$165.90' },
      lifetimePayouts: { cents: 13860, formatted: '$138.60' },
      breakdown: {
        inEscrow: { cents: 5530, formatted: '$55.30' },
        disputed: { cents: 5530, formatted: '$55.30' },
        // $55.30 payable − $69.30 still to recover: nothing is paid until it is made up
        available: { cents: -1400, formatted: '-$14.00' },
        inTransit: { cents: 6930, formatted: '$69.30' },
      },
      payoutMinimum: { cents: 5000, formatted: '$50.00' },
      nextPayoutRunAt: nextPayoutRunAt(new Date()).toISOString(),
      dueNextRun: false,
      counts: { sales: 6, refunds: 2, payouts: 1 },
    });
  });

  it('breaks revenue down per course, sold or not, best first', async () => {
    const res = await api.request.get('/api/instructor/earnings/courses').set(ada.auth);
    expect(res.status).toBe(200);
    expect(res.body.courses.map((c: { title: string }) => c.title)).toEqual(['A: Python', 'B: Rust', 'C: Go']);
    expect(res.body.courses[0]).toMatchObject({
      courseId: ids.a,
      sales: 3,
      refunds: 1,
      revenue: { cents: 16590 },
      enrollmentCount: 3,
      status: 'published',
    });
    expect(res.body.courses[1]).toMatchObject({
      courseId: ids.b,
      sales: 3,
      refunds: 1,
      revenue: { cents: 13860, formatted: '$138.60' },
      enrollmentCount: 2,
    });
    expect(res.body.courses[2]).toMatchObject({
      sales: 0,
      refunds: 0,
      revenue: { cents: 0, formatted: '$0.00' },
      enrollmentCount: 0,
      ratingCount: 0,
    });
    expect(res.body.total).toEqual({ cents: 30450, formatted: '$304.50' });
  });

  it('lists payouts, newest period first, paged', async () => {
    const res = await api.request.get('/api/instructor/payouts').set(ada.auth);
    expect(res.body.pagination).toEqual({ page: 1, limit: 20, total: 2 });
    expect(res.body.payouts).toEqual([
      expect.objectContaining({
        id: ids.processing,
        period: '2026-10-01',
        status: 'processing',
        amount: { cents: 6930, formatted: '$69.30' },
        stripeTransferId: null,
        completedAt: null,
      }),
      expect.objectContaining({
        id: ids.completed,
        period: '2026-09-01',
        status: 'completed',
        amount: { cents: 13860, formatted: '$138.60' },
        stripeTransferId: expect.stringMatching(/^tr_/),
      }),
    ]);
    const second = await api.request.get('/api/instructor/payouts?page=2&limit=1').set(ada.auth);
    expect(second.body.payouts.map((p: { id: string }) => p.id)).toEqual([ids.completed]);
    expect((await api.request.get('/api/instructor/payouts?limit=500').set(ada.auth)).status).toBe(400);
  });

  it('lists what is not paid out yet with its escrow release date, soonest first', async () => {
    const res = await api.request.get('/api/instructor/earnings/pending?limit=2').set(ada.auth);
    expect(res.status).toBe(200);
    expect(res.body.totals).toEqual({
      inEscrow: { cents: 5530, formatted: '$55.30' },
      disputed: { cents: 5530, formatted: '$55.30' },
      payable: { cents: 5530, formatted: '$55.30' },
      outstandingAdjustments: { cents: 6930, formatted: '$69.30' },
      available: { cents: -1400, formatted: '-$14.00' },
      inTransit: { cents: 6930, formatted: '$69.30' },
    });
    expect(res.body.pagination).toEqual({ page: 1, limit: 2, total: 4 });
    expect(res.body.items).toEqual([
      expect.objectContaining({
        revenueRecordId: ids.payable,
        status: 'payable',
        payoutId: null,
        course: { id: ids.a, title: 'A: Python' },
        amount: { cents: 5530, formatted: '$55.30' },
      }),
      expect.objectContaining({ revenueRecordId: ids.inTransit, status: 'payable', payoutId: ids.processing }),
    ]);
    const next = await api.request.get('/api/instructor/earnings/pending?limit=2&page=2').set(ada.auth);
    expect(
      next.body.items.map((i: { revenueRecordId: string; status: string }) => [i.revenueRecordId, i.status]),
    ).toEqual([
      [ids.disputed, 'frozen'],
      [ids.held, 'held'],
    ]);
    const [held] = next.body.items.slice(-1);
    expect(Date.parse(held.releaseAt) - Date.parse(held.purchasedAt)).toBe(7 * DAY);
  });

  it('answers zeros and empty lists for an instructor with no earnings yet', async () => {
    const newcomer = await createUser(knex, config, 'instructor');
    const zero = { cents: 0, formatted: '$0.00' };
    expect((await api.request.get('/api/instructor/earnings').set(newcomer.auth)).body).toMatchObject({
      totalRevenue: zero,
      pendingPayout: zero,
      lifetimePayouts: zero,
      breakdown: { inEscrow: zero, disputed: zero, available: zero, inTransit: zero },
      dueNextRun: false,
      counts: { sales: 0, refunds: 0, payouts: 0 },
    });
    expect((await api.request.get('/api/instructor/earnings/courses').set(newcomer.auth)).body).toEqual({
      courses: [],
      total: zero,
    });
    expect((await api.request.get('/api/instructor/payouts').set(newcomer.auth)).body).toEqual({
      payouts: [],
      pagination: { page: 1, limit: 20, total: 0 },
    });
    const pending = (await api.request.get('/api/instructor/earnings/pending').set(newcomer.auth)).body;
    expect(pending).toMatchObject({
      items: [],
      pagination: { total: 0 },
      totals: { available: zero, outstandingAdjustments: zero },
    });
  });

  it.each(ENDPOINTS)('%s is instructor-only', async (path) => {
    for (const role of ['student', 'admin'] as const) {
      const user = await createUser(knex, config, role);
      const res = await api.request.get(path).set(user.auth);
      expect(res.status).toBe(403);
      expect(res.body).toMatchObject({ status: 403, detail: 'Instructor-only endpoint' });
    }
    expect((await api.request.get(path)).status).toBe(401);
  });
});
