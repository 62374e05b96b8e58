/**
 * Tax quotes (MKT-031) through Stripe Tax's calculation API (stripe-mock answers with Stripe's example
 * calculation); when Stripe cannot be reached the quote proceeds without tax and says so.
 */
import { randomUUID } from 'node:crypto';
import pino from 'pino';
import Stripe from 'stripe';
import { calculateTax } from '../../src/checkout/tax';
import { loadConfig } from '../../src/config';
import { createStripe } from '../../src/deps';
import { startTestApi, type TestApi } from '../support/api';
import { startFaultProxy } from '../support/fault-proxy';
import { createScene } from '../support/fixtures';

let t: TestApi;
const config = loadConfig(process.env);

beforeAll(async () => {
  t = await startTestApi();
});
afterAll(() => t?.close());

const address = { country: 'us', postalCode: '94103', state: 'ca' };

test('POST /api/checkout/tax quotes Stripe Tax on the discounted price', async () => {
  const { instructor, buyer: student, course } = await createScene(t.deps.knex, config, { priceCents: 7900 });
  const code = `TAX${randomUUID().slice(0, 6).toUpperCase()}`;
  await t.deps
    .knex('coupons')
    .insert({ code, creator_id: instructor.id, discount_type: 'percentage', percent_off: 20 });

  const expected = await calculateTax(createStripe(config), pino({ level: 'silent' }), {
    amountCents: 6320,
    reference: course.id,
    location: { country: 'US', postalCode: '94103', state: 'CA' },
  });
  const res = await t.request
    .post('/api/checkout/tax')
    .set(student.auth)
    .send({ courseId: course.id, couponCode: code, address });
  expect(res.status).toBe(200);
  expect(res.body).toEqual(expected);
  expect(res.body).toMatchObject({ available: true, subtotalCents: 6320, totalCents: 6320 + res.body.taxCents });
  expect(Number.isInteger(res.body.taxCents)).toBe(true);
  expect(res.body.jurisdiction).toMatch(/^US/);

  expect(
    (
      await t.request
        .post('/api/checkout/tax')
        .set(student.auth)
        .send({ courseId: course.id, address: { country: 'USA', postalCode: '1' } })
    ).status,
  ).toBe(400);
  expect(
    (await t.request.post('/api/checkout/tax').set(student.auth).send({ courseId: randomUUID(), address })).status,
  ).toBe(404);
});

test('Stripe Tax unreachable → proceed without tax, logged', async () => {
  const lines: string[] = [];
  const log = pino({ level: 'error' }, { write: (line: string) => lines.push(line) });
  // A Stripe client pointed at a port nobody listens on: the real failure mode of an outage.
  const offline = new Stripe('sk_test_123', {
    host: '127.0.0.1',
    port: 9,
    protocol: 'http',
    maxNetworkRetries: 0,
    timeout: 2000,
  });
  const quote = await calculateTax(offline, log, {
    amountCents: 7900,
    reference: 'course',
    location: { country: 'US', postalCode: '94103' },
  });
  expect(quote).toEqual({
    available: false,
    subtotalCents: 7900,
    taxCents: 0,
    totalCents: 7900,
    taxRatePercent: null,
    jurisdiction: null,
  });
  expect(lines.join('')).toMatch(/Stripe Tax unavailable/);
});

test('an address Stripe Tax cannot place → 400 "Unable to determine tax jurisdiction" (MKT-031)', async () => {
  // stripe-mock accepts any address: the proxy gives Stripe's documented answer for this one request.
  const target = config.STRIPE_API_BASE;
  if (!target) throw new Error('STRIPE_API_BASE is not set: stripe-mock must sit behind the proxy');
  const stripe = await startFaultProxy({
    target,
    errorRate: 0,
    timeoutRate: 0,
    hangMs: 0,
    answer: ({ method, path }) =>
      method === 'POST' && path === '/v1/tax/calculations'
        ? {
            status: 400,
            body: {
              error: {
                type: 'invalid_request_error',
                code: 'customer_tax_location_invalid',
                param: 'customer_details[address]',
                message: 'We could not determine the customer’s tax location based on the provided customer address.',
              },
            },
          }
        : undefined,
  });
  const api = await startTestApi({ env: { STRIPE_API_BASE: stripe.url } });
  try {
    const { buyer: student, course } = await createScene(api.deps.knex, config);
    const res = await api.request
      .post('/api/checkout/tax')
      .set(student.auth)
      .send({ courseId: course.id, address: { country: 'US', postalCode: '00000' } });
    expect({ status: res.status, detail: res.body.detail, errors: res.body.errors }).toEqual({
      status: 400,
      detail: 'Unable to determine tax jurisdiction',
      errors: [{ field: 'address', message: 'Unable to determine tax jurisdiction', in: 'body' }],
    });
  } finally {
    await api.close();
    await stripe.close();
  }
});
