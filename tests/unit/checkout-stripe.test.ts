import Stripe from 'stripe';
import { checkoutSessionParams } from '../../activities/stripe-checkout';
import { isStripeTaxUnavailable } from '../../src/checkout/tax';
import type { CheckoutInput } from '../../src/temporal/contracts/checkout';
import { joinHandlers } from '../../src/webhooks';

const input: CheckoutInput = {
  transactionId: '7d6f0c7e-3f7a-4d43-9d2e-5b2d3f2a9a10',
  buyerId: 'b1',
  buyerEmail: 'ada@example.com',
  courseId: 'c1',
  courseTitle: 'Python for Data Science',
  instructorId: 'i1',
  couponId: 'k1',
  couponCode: 'PYTHON20',
  grossCents: 7900,
  discountCents: 1580,
  netCents: 6320,
  openedAt: '2026-11-27T12:00:00.000Z',
  expiresAt: '2026-11-28T12:00:00.000Z',
  successUrl: 'https://edustream.example/checkout/success?session_id={CHECKOUT_SESSION_ID}',
  cancelUrl: 'https://edustream.example/courses/c1',
};
const seconds = (iso: string) => Date.parse(iso) / 1000;

describe('checkoutSessionParams', () => {
  test('charges the discounted price with Stripe Tax on top, and carries our ids', () => {
    const params = checkoutSessionParams(input, true);
    expect(params.line_items).toEqual([
      expect.objectContaining({
        quantity: 1,
        price_data: expect.objectContaining({ currency: 'usd', unit_amount: 6320, tax_behavior: 'exclusive' }),
      }),
    ]);
    expect(params.line_items?.[0].price_data?.product_data).toMatchObject({
      name: input.courseTitle,
      description: 'Coupon PYTHON20: $79.00 − $15.80',
    });
    expect(params.automatic_tax).toEqual({ enabled: true });
    expect(params.client_reference_id).toBe(input.transactionId);
    expect(params.metadata).toEqual({
      transactionId: input.transactionId,
      buyerId: 'b1',
      courseId: 'c1',
      couponId: 'k1',
    });
    expect(params.payment_intent_data).toEqual({
      transfer_group: `sale-${input.transactionId}`,
      metadata: params.metadata,
    });
    expect(params.expires_at).toBe(seconds(input.expiresAt));
  });

  test('is a pure function of the attempt (a retried request is identical, so its idempotency key matches)', () => {
    expect(checkoutSessionParams(input, true)).toEqual(checkoutSessionParams({ ...input }, true));
  });

  test('without tax when Stripe Tax is unavailable', () => {
    const params = checkoutSessionParams(input, false);
    expect(params).not.toHaveProperty('automatic_tax');
    expect(params.line_items?.[0].price_data?.unit_amount).toBe(6320);
  });

  test('keeps the session expiry inside what Stripe accepts', () => {
    expect(checkoutSessionParams({ ...input, expiresAt: '2026-11-27T12:00:05.000Z' }, true).expires_at).toBe(
      seconds('2026-11-27T13:00:00.000Z'),
    );
    expect(checkoutSessionParams({ ...input, expiresAt: '2026-12-05T12:00:00.000Z' }, true).expires_at).toBe(
      seconds('2026-11-28T12:00:00.000Z'),
    );
  });
});

test('isStripeTaxUnavailable: only Stripe refusing automatic tax, not outages or other bad requests', () => {
  const invalid = (message: string, param?: string) =>
    new Stripe.errors.StripeInvalidRequestError({ type: 'invalid_request_error', message, param });
  expect(
    isStripeTaxUnavailable(invalid('Stripe Tax has not been activated on your account.', 'automatic_tax[enabled]')),
  ).toBe(true);
  expect(
    isStripeTaxUnavailable(
      invalid('You must have a valid head office address to enable automatic tax calculation in test mode.'),
    ),
  ).toBe(true);
  expect(isStripeTaxUnavailable(invalid('Invalid integer: abc', 'line_items[0][price_data][unit_amount]'))).toBe(false);
  expect(
    isStripeTaxUnavailable(
      new Stripe.errors.StripeConnectionError({ type: 'api_error', message: 'connect ECONNREFUSED' }),
    ),
  ).toBe(false);
  expect(isStripeTaxUnavailable(new Error('automatic tax'))).toBe(false);
});

test('joinHandlers: one event type belongs to one domain', () => {
  const handler = async () => undefined;
  expect(Object.keys(joinHandlers([{ 'charge.refunded': handler }, { 'payout.paid': handler }]))).toEqual([
    'charge.refunded',
    'payout.paid',
  ]);
  expect(() => joinHandlers([{ 'charge.refunded': handler }, { 'charge.refunded': handler }])).toThrow(
    /two webhook handlers for Stripe event type charge.refunded/,
  );
});
