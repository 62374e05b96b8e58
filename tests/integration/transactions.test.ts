/** Transactions API (MKT-014): a buyer's own purchases, paginated; one purchase for its buyer, instructor or an admin. */
import { randomUUID } from 'node:crypto';
import { loadConfig } from '../../src/config';
import { startTestApi, type TestApi } from '../support/api';
import { createCourse, createSale, createUser } from '../support/fixtures';

let t: TestApi;
const config = loadConfig(process.env);

beforeAll(async () => {
  t = await startTestApi();
});
afterAll(() => t?.close());

test('list: own purchases only, newest first, paginated, filterable by status', async () => {
  const instructor = await createUser(t.deps.knex, config, 'instructor');
  const buyer = await createUser(t.deps.knex, config, 'student');
  const someoneElse = await createUser(t.deps.knex, config, 'student');
  const sales = [];
  for (let i = 0; i < 3; i++) {
    const course = await createCourse(t.deps.knex, instructor.id, { priceCents: 1000 * (i + 1) });
    sales.push(await createSale(t.deps.knex, { buyerId: buyer.id, courseId: course.id, grossCents: 1000 * (i + 1) }));
    await createSale(t.deps.knex, { buyerId: someoneElse.id, courseId: course.id, grossCents: 1000 * (i + 1) });
  }
  const newestFirst = [...sales].reverse().map((s) => s.transactionId);

  const page1 = await t.request.get('/api/transactions?limit=2').set(buyer.auth);
  expect(page1.status).toBe(200);
  expect(page1.body).toMatchObject({ page: 1, limit: 2, total: 3 });
  const page2 = await t.request.get('/api/transactions?limit=2&page=2').set(buyer.auth);
  expect([...page1.body.items, ...page2.body.items].map((tx: { id: string }) => tx.id)).toEqual(newestFirst);
  expect(page1.body.items[0]).toMatchObject({
    status: 'completed',
    buyerId: buyer.id,
    grossCents: 3000,
    netCents: 3000,
    totalCents: 3000,
    currency: 'usd',
  });
  expect(page1.body.items[0]).not.toHaveProperty('revenue');

  const none = await t.request.get('/api/transactions?status=refunded').set(buyer.auth);
  expect(none.body).toMatchObject({ items: [], total: 0 });
  expect((await t.request.get('/api/transactions?limit=500').set(buyer.auth)).status).toBe(400);
  expect((await t.request.get('/api/transactions')).status).toBe(401);
});

test('get: buyer, the course’s instructor and admins; anyone else 403 "Access denied"', async () => {
  const instructor = await createUser(t.deps.knex, config, 'instructor');
  const buyer = await createUser(t.deps.knex, config, 'student');
  const course = await createCourse(t.deps.knex, instructor.id, { priceCents: 7900 });
  const sale = await createSale(t.deps.knex, { buyerId: buyer.id, courseId: course.id, grossCents: 7900 });
  const url = `/api/transactions/${sale.transactionId}`;

  const asBuyer = await t.request.get(url).set(buyer.auth);
  expect(asBuyer.status).toBe(200);
  expect(asBuyer.body).toMatchObject({
    id: sale.transactionId,
    course: { id: course.id, instructorId: instructor.id },
    netCents: 7900,
  });
  expect(asBuyer.body).not.toHaveProperty('revenue');

  const asInstructor = await t.request.get(url).set(instructor.auth);
  expect(asInstructor.body.revenue).toMatchObject({
    instructorCents: 5530,
    platformCents: 2370,
    stripeFeeCents: 259,
    status: 'held',
  });
  const admin = await createUser(t.deps.knex, config, 'admin');
  expect((await t.request.get(url).set(admin.auth)).body.revenue).toMatchObject({ instructorCents: 5530 });

  for (const role of ['student', 'instructor'] as const) {
    const stranger = await createUser(t.deps.knex, config, role);
    const res = await t.request.get(url).set(stranger.auth);
    expect(res.status).toBe(403);
    expect(res.body.detail).toBe('Access denied');
  }
  expect((await t.request.get(`/api/transactions/${randomUUID()}`).set(buyer.auth)).status).toBe(404);
  expect((await t.request.get('/api/transactions/not-a-uuid').set(buyer.auth)).status).toBe(400);
});
