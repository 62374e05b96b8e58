import { UniqueViolationError } from 'objection';
import { z } from 'zod';
import { loadPurchasableCourse, pricePurchase } from '../../checkout/pricing';
import { COUPON_NOT_FOUND_MESSAGE, couponDiscount, normalizeCouponCode } from '../../domain/coupons';
import { applyCoupon, dollarsToCents, isMoneyRuleError } from '../../domain/money';
import { Coupon } from '../../models/Coupon';
import { assertOwnerOrAdmin } from '../auth';
import { COURSE_ARCHIVED, manageCourse } from '../course-access';
import { badRequest, conflict, notFound } from '../../problems/http-problem';
import type { RouteModule } from '../http/context';
import { defineRoute } from '../http/define-route';
import { IdParams, NullableTimestamp, Timestamp } from '../http/schemas';

const CouponCode = z
  .string()
  .trim()
  .min(3)
  .max(50)
  .regex(/^[A-Za-z0-9_-]+$/, 'Use letters, digits, "-" and "_" only')
  .transform(normalizeCouponCode)
  .openapi({ example: 'PYTHON20', description: 'Case-insensitive; stored upper-case' });

const CreateCouponBody = z
  .object({
    code: CouponCode,
    courseId: z.uuid().nullable().optional().openapi({ description: 'Omit or null: valid for all your courses' }),
    discountType: z.enum(['percentage', 'fixed_amount']),
    discountValue: z.union([z.number(), z.string()]).openapi({
      description: 'percentage: whole percent 1–100 (20 = 20% off); fixed_amount: US dollars (10.00 = $10 off)',
      example: 20,
    }),
    maxUses: z.number().int().min(1).nullable().optional().openapi({ description: 'Omit or null: unlimited' }),
    expiresAt: z.iso.datetime({ offset: true }).nullable().optional(),
  })
  .openapi('CreateCouponRequest');

const CouponSchema = z
  .object({
    id: z.uuid(),
    code: z.string(),
    courseId: z.uuid().nullable(),
    discountType: z.enum(['percentage', 'fixed_amount']),
    percentOff: z.number().int().nullable(),
    amountOffCents: z.number().int().nullable(),
    maxUses: z.number().int().nullable(),
    currentUses: z.number().int(),
    expiresAt: NullableTimestamp,
    createdAt: Timestamp,
  })
  .openapi('Coupon');

const ValidateBody = z
  .object({ code: z.string().trim().min(1).max(50), courseId: z.uuid() })
  .openapi('ValidateCouponRequest');

const ValidateResponse = z
  .object({
    valid: z.literal(true),
    code: z.string(),
    courseId: z.uuid(),
    discountType: z.enum(['percentage', 'fixed_amount']),
    percentOff: z.number().int().nullable(),
    amountOffCents: z.number().int().nullable(),
    grossCents: z.number().int(),
    discountCents: z.number().int(),
    netCents: z.number().int(),
  })
  .openapi('CouponValidation');

function toCouponResponse(c: Coupon): z.input<typeof CouponSchema> {
  return {
    id: c.id,
    code: c.code,
    courseId: c.course_id,
    discountType: c.discount_type,
    percentOff: c.percent_off,
    amountOffCents: c.amount_off_cents,
    maxUses: c.max_uses,
    currentUses: c.current_uses,
    expiresAt: c.expires_at,
    createdAt: c.created_at,
  };
}

/** The discount in its column's unit: whole percent, or cents from a dollar amount. */
function discountColumns(
  type: 'percentage' | 'fixed_amount',
  value: number | string,
): { percent_off: number | null; amount_off_cents: number | null } {
  if (type === 'percentage') {
    const percent = typeof value === 'number' ? value : Number(value.trim());
    if (!Number.isInteger(percent) || percent < 1 || percent > 100) {
      throw badRequest('A percentage discount must be a whole number from 1 to 100', {
        field: 'discountValue',
        in: 'body',
      });
    }
    return { percent_off: percent, amount_off_cents: null };
  }
  let cents: number;
  try {
    cents = dollarsToCents(value);
  } catch (err) {
    if (!isMoneyRuleError(err)) throw err;
    throw badRequest('A fixed discount must be a dollar amount such as 10 or 10.50', {
      field: 'discountValue',
      in: 'body',
    });
  }
  if (cents <= 0) throw badRequest('A fixed discount must be more than $0.00', { field: 'discountValue', in: 'body' });
  return { percent_off: null, amount_off_cents: cents };
}

export const couponRoutes: RouteModule = (router, registry, deps) => {
  const { knex } = deps;

  defineRoute(
    router,
    registry,
    {
      method: 'post',
      path: '/api/coupons',
      summary: 'Create a coupon for one of your courses (or all of them)',
      tags: ['coupons'],
      auth: ['instructor'],
      forbiddenMessage: 'Only instructors can create coupons',
      idempotent: 'coupon.create',
      body: CreateCouponBody,
      responses: {
        201: CouponSchema,
        404: { description: 'Course not found' },
        409: { description: 'Coupon code already exists' },
        410: { description: COURSE_ARCHIVED },
      },
    },
    async (ctx, { body, user }) => {
      const columns = discountColumns(body.discountType, body.discountValue);
      const courseId = body.courseId ?? null;
      if (courseId) {
        // The course rule of every course route: 403 for another instructor's published course, 404 for one not visible to them.
        const course = await manageCourse(knex, courseId, user, {
          message: 'You can only create coupons for your own courses',
        });
        if (course.price_cents !== null) {
          // Known price: refuse now a coupon that could never be used (nothing or less than Stripe's minimum left).
          try {
            applyCoupon(
              course.price_cents,
              couponDiscount({
                discountType: body.discountType,
                percentOff: columns.percent_off,
                amountOffCents: columns.amount_off_cents,
              }),
            );
          } catch (err) {
            if (!isMoneyRuleError(err)) throw err;
            throw badRequest(err.message.charAt(0).toUpperCase() + err.message.slice(1), {
              field: 'discountValue',
              in: 'body',
            });
          }
        }
      }
      const expiresAt = body.expiresAt ? new Date(body.expiresAt) : null;
      if (expiresAt && expiresAt.getTime() <= Date.now())
        throw badRequest('expiresAt must be in the future', { field: 'expiresAt', in: 'body' });
      try {
        const coupon = await Coupon.query(knex)
          .insert({
            code: body.code,
            creator_id: user.id,
            course_id: courseId,
            discount_type: body.discountType,
            ...columns,
            max_uses: body.maxUses ?? null,
            expires_at: expiresAt,
          })
          .returning('*');
        ctx.status = 201;
        return toCouponResponse(coupon);
      } catch (err) {
        if (err instanceof UniqueViolationError) throw conflict('Coupon code already exists');
        throw err;
      }
    },
  );

  defineRoute(
    router,
    registry,
    {
      method: 'get',
      path: '/api/coupons',
      summary: 'Your coupons, newest first',
      tags: ['coupons'],
      auth: ['instructor'],
      forbiddenMessage: 'Only instructors have coupons',
      responses: { 200: z.object({ items: z.array(CouponSchema) }) },
    },
    async (_ctx, { user }) => {
      const coupons = await Coupon.query(knex)
        .where({ creator_id: user.id })
        .whereNull('deleted_at')
        .orderBy([{ column: 'created_at', order: 'desc' }, { column: 'id' }]);
      return { items: coupons.map(toCouponResponse) };
    },
  );

  defineRoute(
    router,
    registry,
    {
      method: 'delete',
      path: '/api/coupons/:id',
      summary: 'Delete a coupon (it stops applying; sales that used it keep their record)',
      tags: ['coupons'],
      auth: ['instructor', 'admin'],
      forbiddenMessage: 'Only instructors can delete coupons',
      params: IdParams,
      responses: { 204: null, 404: { description: 'Coupon not found' } },
    },
    async (_ctx, { params, user }) => {
      const coupon = await Coupon.query(knex).findById(params.id).whereNull('deleted_at');
      if (!coupon) throw notFound('Coupon not found');
      assertOwnerOrAdmin(user, coupon.creator_id);
      await Coupon.query(knex).findById(coupon.id).whereNull('deleted_at').patch({ deleted_at: new Date() });
    },
  );

  defineRoute(
    router,
    registry,
    {
      method: 'post',
      path: '/api/coupons/validate',
      rateLimit: 'couponValidate',
      summary: 'Check a coupon code for a course and see the resulting price',
      tags: ['coupons'],
      auth: 'user',
      body: ValidateBody,
      responses: {
        200: ValidateResponse,
        400: { description: 'Coupon expired | Coupon usage limit reached | Coupon not valid for this course' },
        404: { description: 'Coupon code not found, or course not found' },
      },
    },
    async (_ctx, { body }) => {
      const course = await loadPurchasableCourse(knex, body.courseId);
      const { coupon, grossCents, discountCents, netCents } = await pricePurchase(knex, course, body.code, new Date(), {
        purpose: 'validation',
        field: 'code',
      });
      if (!coupon) throw notFound(COUPON_NOT_FOUND_MESSAGE); // unreachable: a code was given
      return {
        valid: true as const,
        code: coupon.code,
        courseId: course.id,
        discountType: coupon.discountType,
        percentOff: coupon.percentOff,
        amountOffCents: coupon.amountOffCents,
        grossCents,
        discountCents,
        netCents,
      };
    },
  );
};
