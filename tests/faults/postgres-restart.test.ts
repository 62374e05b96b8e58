/**
 * Postgres restarted mid-run: the system's own Postgres (never the shared one) is stopped while checkouts are
 * being fulfilled, and again while the month's payout run is paying. Requests during an outage are answered
 * 503 problems, never 500; the worker's activities fail and are retried; once Postgres is back every purchase,
 * refund and payout completes exactly once and the ledger holds.
 */
import type { Response } from 'supertest';
import { payPeriodOf } from '../../src/domain/time';
import { waitFor } from '../support/escrow';
import { createCourse, createUser, type FixtureUser } from '../support/fixtures';
import {
  buy,
  findDoubled,
  completePayment,
  ledgerOf,
  openCheckout,
  payoutRunResult,
  purchased,
  refund,
  reportFigures,
  serverErrors,
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
const SHARE_CENTS = 5530;
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
  await f.system.restartPostgres(async () => {
    f.proxy.setFaults(HEALTHY);
    const [someone, theirCheckout] = [buyers[0], paid[0]];
    const evt = checkoutSessionEvent('checkout.session.completed', { sessionId: 'cs_test_outage', transactionId: theirCheckout, amountSubtotalCents: 7900 });
    outage.checkout = await f.t.request.post('/api/checkout/create').set(late.auth).send({ courseId: courseOf(0) });
    outage.transaction = await f.t.request.get(`/api/transactions/${theirCheckout}`).set(someone.auth);
    outage.webhook = await deliver(f.t.request, evt);
    outage.login = await f.t.request.post('/api/auth/login').send({ email: someone.email, password: 'whatever it is' });
    outage.readiness = await f.t.request.get('/readyz');
    await sleep(OUTAGE_MS);
    outage.afterAWhile = await f.t.request.get('/api/transactions').set(someone.auth);
  });
  for (const [what, res] of Object.entries(outage)) {
    expect({ what, status: res.status, type: res.type }).toEqual({ what, status: 503, type: what === 'readiness' ? 'application/json' : 'application/problem+json' });
  }
  expect(outage.readiness.body.checks).toEqual({ postgres: 'error', temporal: 'ok' });

  // Back: the recorded sales, and a buyer who tried during the outage and tries again.
  const sales = await Promise.all([...buyers.map((buyer, i) => purchased(f, buyer, courseOf(i), paid[i])), buy(f, late, courseOf(0))]);

  // Two refunds, then the payout run, Postgres restarted under it once it has started paying.
  const refunded = [sales[0], sales[1]];
  await Promise.all(refunded.map((sale) => refund(f, sale.buyer, sale.transactionId)));
  const kept = sales.slice(2);
  await waitFor(async () => {
    const payable = await f.knex('revenue_records').whereIn('transaction_id', kept.map((s) => s.transactionId)).where({ status: 'payable' }).count<{ n: number }>('* as n').first();
    return payable?.n === kept.length || undefined;
  }, 'the kept sales to be released', 60_000);
  // The run prepares both payouts; their transfers stall until Postgres is down, so completing them meets the outage.
  const period = payPeriodOf(new Date());
  f.proxy.setFaults(STALLED);
  const runId = await startPayoutRun(f, admin, period);
  await waitFor(async () => {
    const prepared = await f.knex('instructor_payouts').where({ payout_period: period, status: 'processing' }).count<{ n: number }>('* as n').first();
    return prepared?.n === instructors.length || undefined;
  }, 'both payouts to be prepared', 30_000);
  await f.system.restartPostgres(async () => {
    f.proxy.setFaults(HEALTHY);
    await sleep(OUTAGE_MS);
  });
  const run = await payoutRunResult(f, runId);
  const keptCents = (instructor: FixtureUser) => kept.filter((s) => s.courseId === courses[instructors.indexOf(instructor)].id).length * SHARE_CENTS;
  expect(run).toMatchObject({ paid: 2, paidCents: keptCents(instructors[0]) + keptCents(instructors[1]), failed: 0, done: true });

  expect(serverErrors(f.traffic)).toEqual([]);
  const doubled = await findDoubled(f, { sales, refunded: refunded.map((s) => s.transactionId), payouts: { period, instructorIds: instructors.map((i) => i.id) } });
  expect(doubled).toEqual([]);
  const ledger = await ledgerOf(f);
  expect(ledger.violations).toEqual([]);
  expect(ledger).toMatchObject({ ok: true, sales: sales.length, completedPayouts: 2 });
  reportFigures('postgres-restart', f, startedAt, {
    restarts: 2,
    outageRequests: Object.keys(outage).length,
    sales: sales.length,
    refunds: refunded.length,
    payouts: run.paid,
    duplicates: doubled.length,
  });
});
