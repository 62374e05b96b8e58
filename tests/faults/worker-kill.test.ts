/**
 * The worker killed with `kill -9` mid-checkout and mid-payout, at the worst moment: Stripe has acted (made the
 * Checkout Sessions, made the transfers) but its answers never arrived. The worker is started again; the
 * retried activities reuse their idempotency keys, so every buyer is enrolled once and every instructor paid
 * once, and the ledger holds.
 */
import { payPeriodOf } from '../../src/domain/time';
import { waitFor } from '../support/wait-for';
import { createCourse, createUser } from '../support/fixtures';
import {
  buy,
  findDoubled,
  forwardedKeys,
  killWorker,
  ledgerOf,
  payoutRunResult,
  reportFigures,
  serverErrors,
  sharesReleased,
  startFaultSystem,
  startPayoutRun,
  type FaultSystem,
} from '../support/faults';
import { connectAccount } from '../support/payouts';

jest.setTimeout(240_000);

/** Stripe acts on every request, and every answer is lost. */
const ANSWERS_LOST = { lostReplyRate: 1 };
const HEALTHY = { lostReplyRate: 0 };
const INSTRUCTORS = 4;
const SALES = 8;
const SHARE_CENTS = 5530;
let f: FaultSystem;

beforeAll(async () => {
  f = await startFaultSystem('worker-kill', { env: { ESCROW_HOLD: '2s' } });
});
afterAll(() => f?.close());

/** Waits until Stripe has received a request for each of `count` idempotency keys starting with `prefix`. */
const stripeReceived = (path: string, prefix: string, count: number, what: string) =>
  waitFor(
    async () =>
      [...forwardedKeys(f.proxy, path).keys()].filter((key) => key.startsWith(prefix)).length >= count || undefined,
    what,
    60_000,
  );

test('kill -9 while Checkout Sessions and then payout transfers are in flight: everyone enrolled once, paid once', async () => {
  const startedAt = Date.now();
  const admin = await createUser(f.knex, f.config, 'admin');
  const instructors = await Promise.all(
    Array.from({ length: INSTRUCTORS }, () => createUser(f.knex, f.config, 'instructor')),
  );
  await Promise.all(instructors.map((i) => connectAccount(f.knex, i.id)));
  const courses = await Promise.all(instructors.map((i) => createCourse(f.knex, i.id, { priceCents: 7900 })));
  const buyers = await Promise.all(Array.from({ length: SALES }, () => createUser(f.knex, f.config, 'student')));

  // Mid-checkout: Stripe makes every buyer's session, the answers are lost, and the worker dies.
  f.proxy.setFaults(ANSWERS_LOST);
  const buying = Promise.all(buyers.map((buyer, i) => buy(f, buyer, courses[i % INSTRUCTORS].id)));
  await stripeReceived(
    '/v1/checkout/sessions',
    'checkout-session:',
    SALES,
    'a Checkout Session request for every buyer',
  );
  await killWorker(f);
  const sessionsBeforeKill = forwardedKeys(f.proxy, '/v1/checkout/sessions').size;
  // Stripe has them all; we know of none.
  const knownAtKill = await f
    .knex('transactions')
    .whereIn(
      'buyer_id',
      buyers.map((b) => b.id),
    )
    .whereNotNull('stripe_checkout_session_id')
    .count<{ n: number }>('* as n')
    .first();
  expect(knownAtKill?.n).toBe(0);
  f.proxy.setFaults(HEALTHY);
  await f.system.restartWorker();
  const sales = await buying;

  // Mid-payout: Stripe makes every instructor's transfer, the answers are lost, and the worker dies.
  await sharesReleased(f, sales);
  const period = payPeriodOf(new Date());
  f.proxy.setFaults(ANSWERS_LOST);
  const runId = await startPayoutRun(f, admin, period);
  await stripeReceived('/v1/transfers', 'payout-transfer-', INSTRUCTORS, 'a transfer request for every instructor');
  await killWorker(f);
  const completedAtKill = await f
    .knex('instructor_payouts')
    .where({ payout_period: period, status: 'completed' })
    .count<{ n: number }>('* as n')
    .first();
  expect(completedAtKill?.n).toBe(0);
  f.proxy.setFaults(HEALTHY);
  await f.system.restartWorker();
  const run = await payoutRunResult(f, runId);
  expect(run).toMatchObject({ paid: INSTRUCTORS, paidCents: SALES * SHARE_CENTS, failed: 0, done: true });

  const enrolled = await f
    .knex('enrollments')
    .whereIn(
      'transaction_id',
      sales.map((s) => s.transactionId),
    )
    .where({ status: 'active' })
    .count<{ n: number }>('* as n')
    .first();
  expect(enrolled?.n).toBe(SALES);
  expect(serverErrors(f.traffic)).toEqual([]);
  const doubled = await findDoubled(f, { sales, payouts: { period, instructorIds: instructors.map((i) => i.id) } });
  expect(doubled).toEqual([]);
  const ledger = await ledgerOf(f);
  expect(ledger.violations).toEqual([]);
  expect(ledger).toMatchObject({ ok: true, sales: SALES, completedPayouts: INSTRUCTORS });
  reportFigures('worker-kill', f, startedAt, {
    kills: 2,
    sessionsBeforeKill,
    stripeRequestsPerKey: {
      sessions: Math.max(...forwardedKeys(f.proxy, '/v1/checkout/sessions').values()),
      transfers: Math.max(...forwardedKeys(f.proxy, '/v1/transfers').values()),
    },
    sales: SALES,
    payouts: run.paid,
    duplicates: doubled.length,
  });
});
