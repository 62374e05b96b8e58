/**
 * Stripe unavailable or slow (a seeded fault proxy in front of stripe-mock): first about 30% of Stripe requests
 * are answered with a 500 or hang past the client's timeout; then Stripe is down altogether until the API has
 * answered checkouts and refunds with 503; then back to 30%. Buyers and Stripe retry as they do in life.
 * Every checkout ends in one enrollment, every refund in one Stripe refund, and the ledger holds.
 */
import { waitFor } from '../support/escrow';
import { createCourse, createUser, type FixtureUser } from '../support/fixtures';
import { answered, buy, findDoubled, ledgerOf, refund, reportFigures, serverErrors, startFaultSystem, type FaultSystem } from '../support/faults';

jest.setTimeout(180_000);

const FLAKY = { errorRate: 0.15, timeoutRate: 0.15 };
const DOWN = { errorRate: 1, timeoutRate: 0 };
let f: FaultSystem;

beforeAll(async () => {
  f = await startFaultSystem('stripe-outage', { ...FLAKY, seed: 2026 });
});
afterAll(() => f?.close());

test('with Stripe flaky (30% errors and timeouts), then down, every checkout and refund completes exactly once', async () => {
  const startedAt = Date.now();
  const instructors = await Promise.all([0, 1].map(() => createUser(f.knex, f.config, 'instructor')));
  const courses = await Promise.all(instructors.map((i) => createCourse(f.knex, i.id, { priceCents: 7900 })));
  const students = (n: number) => Promise.all(Array.from({ length: n }, () => createUser(f.knex, f.config, 'student')));
  const purchase = async (buyer: FixtureUser, i: number) => {
    const courseId = courses[i % courses.length].id;
    return { buyer, buyerId: buyer.id, courseId, transactionId: await buy(f, buyer, courseId) };
  };

  // Flaky: eight purchases.
  const first = await Promise.all((await students(8)).map(purchase));

  // Down: half of them ask for their money back and four more buyers check out, until the API says 503 to both.
  f.proxy.setFaults(DOWN);
  const refunding = Promise.all(first.slice(0, 4).map((sale) => refund(f, sale.buyer, sale.transactionId)));
  const buying = Promise.all((await students(4)).map(purchase));
  await waitFor(async () => (answered(f.traffic, 'refund', 503) > 0 && answered(f.traffic, 'checkout', 503) > 0) || undefined, 'a 503 for a refund and a checkout', 90_000);
  f.proxy.setFaults(FLAKY);

  // Flaky again: everything started finishes; the other half of the first buyers are refunded too.
  const second = await buying;
  await Promise.all([refunding, ...first.slice(4).map((sale) => refund(f, sale.buyer, sale.transactionId))]);

  const sales = [...first, ...second];
  const refunded = first.map((s) => s.transactionId);
  const active = await f.knex('enrollments').whereIn('transaction_id', sales.map((s) => s.transactionId)).where({ status: 'active' }).pluck('transaction_id');
  expect(active.sort()).toEqual(second.map((s) => s.transactionId).sort());
  expect(serverErrors(f.traffic)).toEqual([]);
  const doubled = await findDoubled(f, sales, refunded);
  expect(doubled).toEqual([]);
  const ledger = await ledgerOf(f);
  expect(ledger.violations).toEqual([]);
  expect(ledger).toMatchObject({ ok: true, sales: sales.length });
  // The faults happened: this was not a run on a healthy Stripe.
  expect(f.proxy.injected.timeouts).toBeGreaterThan(0);
  reportFigures('stripe-outage', f, startedAt, { sales: sales.length, refunds: refunded.length, duplicates: doubled.length });
});
