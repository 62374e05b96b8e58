/**
 * Coupon rules (spec MKT-029): when a coupon applies to a purchase, and what it takes off.
 *
 * Workflow-safe like money.ts: no imports beyond the domain, no clock (the instant is passed in), no I/O.
 * The price arithmetic itself is `applyCoupon` in money.ts; this module decides *whether* it applies.
 */
import { applyCoupon, isMoneyRuleError, type Coupon as CouponDiscount } from './money';

/** Codes are case-insensitive: stored and compared upper-case, without surrounding blanks. */
export function normalizeCouponCode(code: string): string {
  return code.trim().toUpperCase();
}

/** What a coupon row says, in the units of its columns (percent_off: whole percent; amount_off_cents). */
export interface CouponTerms {
  creatorId: string;
  /** null = every course of the creator. */
  courseId: string | null;
  discountType: 'percentage' | 'fixed_amount';
  percentOff: number | null;
  amountOffCents: number | null;
  /** null = unlimited. */
  maxUses: number | null;
  currentUses: number;
  /** null = never expires. */
  expiresAt: Date | null;
}

export interface CoursePrice {
  id: string;
  instructorId: string;
  priceCents: number;
}

export type CouponRejection = 'expired' | 'usage_limit_reached' | 'wrong_course' | 'below_minimum' | 'invalid';

/** The spec's wording (MKT-029) for each reason a coupon does not apply. */
export const COUPON_REJECTION_MESSAGES: Record<Exclude<CouponRejection, 'below_minimum' | 'invalid'>, string> = {
  expired: 'Coupon expired',
  usage_limit_reached: 'Coupon usage limit reached',
  wrong_course: 'Coupon not valid for this course',
};

/** The spec's wording for a code that matches no (live) coupon. */
export const COUPON_NOT_FOUND_MESSAGE = 'Coupon code not found';

/** At checkout (MKT-013) an unknown code and an expired one read the same. */
export const CHECKOUT_COUPON_INVALID_MESSAGE = 'Coupon code invalid or expired';

export type CouponCheck =
  | { ok: true; grossCents: number; discountCents: number; netCents: number }
  | { ok: false; reason: CouponRejection; message: string };

export function couponDiscount(
  terms: Pick<CouponTerms, 'discountType' | 'percentOff' | 'amountOffCents'>,
): CouponDiscount {
  return terms.discountType === 'percentage'
    ? { type: 'percentage', percentOff: terms.percentOff ?? NaN }
    : { type: 'fixed_amount', amountOffCents: terms.amountOffCents ?? NaN };
}

/**
 * Whether `coupon` applies to buying `course` at instant `at`, and the resulting price. Checked in the
 * spec's order: scope, expiry, usage limit, then the price rule (never below Stripe's minimum charge).
 * A coupon without a course applies to every course of its creator, and to no one else's.
 */
export function checkCoupon(coupon: CouponTerms, course: CoursePrice, at: Date): CouponCheck {
  const inScope = coupon.courseId === null ? coupon.creatorId === course.instructorId : coupon.courseId === course.id;
  if (!inScope) return reject('wrong_course');
  if (coupon.expiresAt !== null && coupon.expiresAt.getTime() <= at.getTime()) return reject('expired');
  if (coupon.maxUses !== null && coupon.currentUses >= coupon.maxUses) return reject('usage_limit_reached');
  try {
    const { discountCents, netCents } = applyCoupon(course.priceCents, couponDiscount(coupon));
    return { ok: true, grossCents: course.priceCents, discountCents, netCents };
  } catch (err) {
    if (!isMoneyRuleError(err)) throw err;
    return {
      ok: false,
      reason: err.code === 'coupon_below_minimum' ? 'below_minimum' : 'invalid',
      message: capitalize(err.message),
    };
  }
}

function reject(reason: keyof typeof COUPON_REJECTION_MESSAGES): CouponCheck {
  return { ok: false, reason, message: COUPON_REJECTION_MESSAGES[reason] };
}

function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
