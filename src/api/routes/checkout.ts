import { z } from 'zod';
import { beginCheckout } from '../../checkout/begin';
import { loadPurchasableCourse, pricePurchase } from '../../checkout/pricing';
import { calculateTax, TaxLocationError } from '../../checkout/tax';
import { badRequest } from '../../problems/http-problem';
import type { RouteModule } from '../http/context';
import { defineRoute } from '../http/define-route';
import { Timestamp } from '../http/schemas';

const Cents = z.number().int().nonnegative();

const CheckoutRequest = z
  .object({
    courseId: z.uuid(),
    couponCode: z.string().trim().min(1).max(50).optional(),
  })
  .openapi('CheckoutRequest');

const CheckoutResponse = z
  .object({
    checkoutId: z.uuid().openapi({ description: 'The pending transaction of this checkout attempt' }),
    sessionId: z.string().openapi({ description: 'Stripe Checkout Session id' }),
    url: z.string().openapi({ description: 'Redirect the buyer here to pay (Stripe-hosted page)' }),
    expiresAt: Timestamp,
    course: z.object({ id: z.uuid(), title: z.string() }),
    couponCode: z.string().nullable(),
    currency: z.literal('usd'),
    grossCents: Cents,
    discountCents: Cents,
    netCents: Cents.openapi({ description: 'Charged before tax; Stripe adds sales tax for the buyer’s address' }),
  })
  .openapi('Checkout');

const TaxRequest = z
  .object({
    courseId: z.uuid(),
    couponCode: z.string().trim().min(1).max(50).optional(),
    address: z.object({
      country: z.string().trim().length(2).toUpperCase().openapi({ example: 'US' }),
      postalCode: z.string().trim().min(1).max(20).openapi({ example: '94103' }),
      state: z.string().trim().min(1).max(10).toUpperCase().optional().openapi({ example: 'CA' }),
    }),
  })
  .openapi('TaxQuoteRequest');

const TaxResponse = z
  .object({
    available: z
      .boolean()
      .openapi({ description: 'False when Stripe Tax could not be reached: the checkout then proceeds without tax' }),
    subtotalCents: Cents,
    taxCents: Cents,
    totalCents: Cents,
    taxRatePercent: z.string().nullable().openapi({ example: '9.875' }),
    jurisdiction: z.string().nullable().openapi({ example: 'US-CA' }),
  })
  .openapi('TaxQuote');

export const checkoutRoutes: RouteModule = (router, registry, deps) => {
  defineRoute(
    router,
    registry,
    {
      method: 'post',
      path: '/api/checkout/create',
      rateLimit: 'checkout',
      summary: 'Start (or resume) buying a course: returns the Stripe Checkout URL',
      description:
        'One checkout attempt per buyer and course is open at a time: repeating the request returns the same session ' +
        '(200); a request with another coupon replaces the open attempt. Enrollment follows the payment webhook.',
      tags: ['checkout'],
      auth: 'user',
      idempotent: 'checkout.create',
      body: CheckoutRequest,
      responses: {
        200: CheckoutResponse,
        201: CheckoutResponse,
        400: {
          description:
            'Coupon code invalid or expired | Coupon usage limit reached | Coupon not valid for this course, or invalid fields',
        },
        404: { description: 'Course not found (or not published)' },
        409: { description: 'You already own this course, or its payment is being processed' },
        503: { description: 'Payment processing unavailable - retry' },
      },
    },
    async (ctx, { body, user }) => {
      const { attempt, input, priced, session } = await beginCheckout(deps, user, body.courseId, body.couponCode);
      ctx.status = attempt.created ? 201 : 200;
      return {
        checkoutId: attempt.transactionId,
        sessionId: session.sessionId,
        url: session.url,
        expiresAt: input.expiresAt,
        course: { id: priced.course.id, title: priced.course.title },
        couponCode: priced.coupon?.code ?? null,
        currency: 'usd' as const,
        grossCents: priced.grossCents,
        discountCents: priced.discountCents,
        netCents: priced.netCents,
      };
    },
  );

  defineRoute(
    router,
    registry,
    {
      method: 'post',
      path: '/api/checkout/tax',
      summary: 'Quote the sales tax on a course for a billing address (Stripe Tax)',
      description: 'For display before checkout; Stripe Checkout computes the tax actually charged.',
      tags: ['checkout'],
      auth: 'user',
      body: TaxRequest,
      responses: { 200: TaxResponse, 404: { description: 'Course not found' } },
    },
    async (ctx, { body }) => {
      const course = await loadPurchasableCourse(deps.knex, body.courseId);
      const priced = await pricePurchase(deps.knex, course, body.couponCode, new Date(), {
        purpose: 'checkout',
        field: 'couponCode',
      });
      try {
        return await calculateTax(deps.stripe, ctx.state.log, {
          amountCents: priced.netCents,
          reference: course.id,
          location: body.address,
        });
      } catch (err) {
        if (err instanceof TaxLocationError) throw badRequest(err.message, { field: 'address', in: 'body' });
        throw err;
      }
    },
  );
};
