/**
 * What a buyer pays for a course, with or without a coupon: the course price, then the coupon rules of
 * src/domain/coupons.ts. Shared by checkout, the tax quote and coupon validation, so all three agree.
 */
import type { Knex } from 'knex';
import { badRequest, HttpProblem, notFound } from '../problems/http-problem';
import {
  CHECKOUT_COUPON_INVALID_MESSAGE,
  checkCoupon,
  COUPON_NOT_FOUND_MESSAGE,
  normalizeCouponCode,
  type CouponTerms,
  type CoursePrice,
} from '../domain/coupons';
import { Coupon } from '../models/Coupon';

export interface PurchasableCourse extends CoursePrice {
  title: string;
}

export interface PricedPurchase {
  course: PurchasableCourse;
  coupon: {
    id: string;
    code: string;
    discountType: CouponTerms['discountType'];
    percentOff: number | null;
    amountOffCents: number | null;
  } | null;
  grossCents: number;
  discountCents: number;
  netCents: number;
}

/** A published, one-time-priced course; anything else is "not found" to a buyer (drafts stay private). */
export async function loadPurchasableCourse(knex: Knex, courseId: string): Promise<PurchasableCourse> {
  const row = await knex('courses')
    .where({ id: courseId, status: 'published' })
    .whereNull('deleted_at')
    .first<
      | { id: string; title: string; instructor_id: string; pricing_model: string; price_cents: number | null }
      | undefined
    >('id', 'title', 'instructor_id', 'pricing_model', 'price_cents');
  if (!row) throw notFound('Course not found');
  if (row.pricing_model !== 'one_time' || row.price_cents === null) {
    throw badRequest('This course is sold by subscription, which checkout does not offer yet');
  }
  return { id: row.id, title: row.title, instructorId: row.instructor_id, priceCents: row.price_cents };
}

/** A live (not deleted) coupon by code, case-insensitively. */
export async function findCoupon(knex: Knex, code: string): Promise<Coupon | undefined> {
  return Coupon.query(knex)
    .findOne({ code: normalizeCouponCode(code) })
    .whereNull('deleted_at');
}

export function couponTerms(coupon: Coupon): CouponTerms {
  return {
    creatorId: coupon.creator_id,
    courseId: coupon.course_id,
    discountType: coupon.discount_type,
    percentOff: coupon.percent_off,
    amountOffCents: coupon.amount_off_cents,
    maxUses: coupon.max_uses,
    currentUses: coupon.current_uses,
    expiresAt: coupon.expires_at === null ? null : new Date(coupon.expires_at),
  };
}

/**
 * The price of `course` with `couponCode` (if any) at instant `at`. A coupon that does not apply is a 400 with
 * the spec's message for `report.purpose`: validating a code (MKT-029) says why, and an unknown code is a 404;
 * at checkout (MKT-013), where the coupon is one field of the request, an unknown or expired code is one 400.
 */
export async function pricePurchase(
  knex: Knex,
  course: PurchasableCourse,
  couponCode: string | undefined,
  at: Date,
  report: { purpose: 'validation' | 'checkout'; field: string },
): Promise<PricedPurchase> {
  if (!couponCode)
    return { course, coupon: null, grossCents: course.priceCents, discountCents: 0, netCents: course.priceCents };
  const atCheckout = report.purpose === 'checkout';
  const refuse = (message: string) => badRequest(message, { field: report.field, in: 'body' });
  const coupon = await findCoupon(knex, couponCode);
  if (!coupon)
    throw atCheckout ? refuse(CHECKOUT_COUPON_INVALID_MESSAGE) : new HttpProblem(404, COUPON_NOT_FOUND_MESSAGE);
  const terms = couponTerms(coupon);
  const check = checkCoupon(terms, course, at);
  if (!check.ok)
    throw refuse(atCheckout && check.reason === 'expired' ? CHECKOUT_COUPON_INVALID_MESSAGE : check.message);
  return {
    course,
    coupon: {
      id: coupon.id,
      code: coupon.code,
      discountType: terms.discountType,
      percentOff: terms.percentOff,
      amountOffCents: terms.amountOffCents,
    },
    grossCents: check.grossCents,
    discountCents: check.discountCents,
    netCents: check.netCents,
  };
}
