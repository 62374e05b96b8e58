/**
 * Postgres restarted mid-run: the system's own Postgres (never the shared one) is stopped while checkouts are
 * being fulfilled, and again while the month's payout run is paying. Requests during an outage are answered
 * 503 problems, never 500; the worker's activities fail and are retried; once Postgres is back every purchase,
 * refund and payout completes exactly once and the ledger holds.
 */
import type { Response, Test } from 'supertest';
import { payPeriodOf } from '../../src/domain/time';
import { waitFor } from '../support/wait-for';
import { createCourse, createUser } from '../support/fixtures';
import {
  activityRetries,
  buy,
  completePayment,
  counted,
  findDoubled,
  ledgerOf,
  openCheckout,
  payoutRunResult,
  purchased,
  refund,
  reportFigures,
  serverErrors,
  sharesReleased,
  startFaultSystem,
  startPayoutRun,
  withoutDatabase,
  type FaultSystem,
} from '../support/faults';
import { connectAccount } from '../support/payouts';
import { checkoutSessionEvent, deliver } from '../support/stripe-webhooks';

jest.setTimeout(180_000);

/** How long Postgres stays down: long enough for the worker's activities to fail and be retried. */
const OUTAGE_MS = 4000;
/** Stripe requests hang (nothing reaches Stripe): the work waiting on them is held in place. */
const STALLED = { timeoutRate: 1 };
const HEALTHY = { timeoutRate: 0 };
const SHARE_CENTS = 5530; // 70% of $79.00
let f: FaultSystem;

beforeAll(async () => {
  f = await startFaultSystem('postgres-restart', { baseEnv: withoutDatabase(process.env), env: { ESCROW_HOLD: '2s' } });
});
afterAll(() => f?.close());

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

test('Postgres restarted during checkouts and during the payout run: 503s meanwhile, then everything completes once', async () => {
  const startedAt = Date.now();
  const admin = await createUser(f.knex, f.config, 'admin');
  const instructors = await Promise.all([0, 1].map(() => createUser(f.knex, f.config, 'instructor')));
  await Promise.all(instructors.map((i) => connectAccount(f.knex, i.id)));
  const courses = await Promise.all(instructors.map((i) => createCourse(f.knex, i.id, { priceCents: 7900 })));
  const students = await Promise.all(Array.from({ length: 7 }, () => createUser(f.knex, f.config, 'student')));
  const courseOf = (i: number) => courses[i % courses.length].id;
  const [late, ...buyers] = students;

  // Six buyers pay. Stripe stalls (so the sales are still being recorded) until Postgres is down.
  const checkouts = await Promise.all(buyers.map((buyer, i) => openCheckout(f, buyer, courseOf(i))));
  f.proxy.setFaults(STALLED);
  const paid = await Promise.all(checkouts.map((checkout) => completePayment(f, checkout)));
  const outage: Record<string, Response> = {};
  const duringOutage = async (what: string, send: () => Test) => {
    outage[what] = counted(f.traffic, 'during the outage', await send());
  };
  await f.system.restartPostgres(async () => {
    f.proxy.setFaults(HEALTHY);
    const [someone, theirCheckout] = [buyers[0], paid[0]];
    const evt = checkoutSessionEvent('checkout.session.completed', {
      sessionId: 'cs_test_outage',
      transactionId: theirCheckout,
      amountSubtotalCents: 7900,
    });
    await duringOutage('checkout', () =>
      f.t.request
        .post('/api/checkout/create')
        .set(late.auth)
        .send({ courseId: courseOf(0) }),
    );
    await duringOutage('transaction', () => f.t.request.get(`/api/transactions/${theirCheckout}`).set(someone.auth));
    await duringOutage('webhook', () => deliver(f.t.request, evt));
    await duringOutage('login', () =>
      f.t.request.post('/api/auth/login').send({ email: someone.email, password: 'whatever it is' }),
    );
    await duringOutage('readiness', () => f.t.request.get('/readyz'));
    await sleep(OUTAGE_MS);
    await duringOutage('after a while', () => f.t.request.get('/api/transactions').set(someone.auth));
  });
  for (const [what, res] of Object.entries(outage)) {
    expect({ what, status: res.status, type: res.type }).toEqual({
      what,
      status: 503,
      type: what === 'readiness' ? 'application/json' : 'application/problem+json',
    });
  }
  expect(outage.readiness.body.checks).toEqual({ postgres: 'error', temporal: 'ok' });

  // Back: the recorded sales, and a buyer who tried during the outage and tries again.
  const sales = await Promise.all([
    ...buyers.map((buyer, i) => purchased(f, buyer, courseOf(i), paid[i])),
    buy(f, late, courseOf(0)),
  ]);

  // Two refunds, then the payout run, Postgres restarted under it once it has started paying.
  const refunded = [sales[0], sales[1]];
  await Promise.all(refunded.map((sale) => refund(f, sale.buyer, sale.transactionId)));
  const kept = sales.slice(2);
  await sharesReleased(f, kept);
  // The run prepares both payouts; their transfers stall until Postgres is down, so completing them meets the outage.
  const period = payPeriodOf(new Date());
  f.proxy.setFaults(STALLED);
  const runId = await startPayoutRun(f, admin, period);
  await waitFor(
    async () => {
      const prepared = await f
        .knex('instructor_payouts')
        .where({ payout_period: period, status: 'processing' })
        .count<{ n: number }>('* as n')
        .first();
      return prepared?.n === instructors.length || undefined;
    },
    'both payouts to be prepared',
    30_000,
  );
  await f.system.restartPostgres(async () => {
    f.proxy.setFaults(HEALTHY);
    await sleep(OUTAGE_MS);
  });
  const run = await payoutRunResult(f, runId);
  expect(run).toMatchObject({ paid: 2, paidCents: kept.length * SHARE_CENTS, failed: 0, done: true });

  // The worker's database steps failed during the outages and were retried until Postgres was back.
  const checkoutWorkflows = (await f
    .knex('transactions')
    .whereIn('id', paid)
    .pluck('checkout_workflow_id')) as string[];
  const fulfilmentRetries = await activityRetries(f, checkoutWorkflows, 'fulfilCheckout');
  expect(fulfilmentRetries).toBeGreaterThan(0);

  expect(serverErrors(f.traffic)).toEqual([]);
  const doubled = await findDoubled(f, {
    sales,
    refunded: refunded.map((s) => s.transactionId),
    payouts: { period, instructorIds: instructors.map((i) => i.id) },
  });
  expect(doubled).toEqual([]);
  const ledger = await ledgerOf(f);
  expect(ledger.violations).toEqual([]);
  expect(ledger).toMatchObject({ ok: true, sales: sales.length, completedPayouts: 2 });
  reportFigures('postgres-restart', f, startedAt, {
    restarts: 2,
    fulfilmentRetries,
    sales: sales.length,
    refunds: refunded.length,
    payouts: run.paid,
    duplicates: doubled.length,
  });
});
