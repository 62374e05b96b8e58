import { checkCoupon, normalizeCouponCode, type CouponTerms, type CoursePrice } from '../../src/domain/coupons';

const course: CoursePrice = { id: 'course-1', instructorId: 'ada', priceCents: 7900 };
const at = new Date('2026-11-27T12:00:00Z');
const coupon = (overrides: Partial<CouponTerms> = {}): CouponTerms => ({
  creatorId: 'ada',
  courseId: 'course-1',
  discountType: 'percentage',
  percentOff: 20,
  amountOffCents: null,
  maxUses: null,
  currentUses: 0,
  expiresAt: null,
  ...overrides,
});

describe('checkCoupon', () => {
  test('PYTHON20 on $79.00 → $15.80 off, $63.20 to pay', () => {
    expect(checkCoupon(coupon(), course, at)).toEqual({
      ok: true,
      grossCents: 7900,
      discountCents: 1580,
      netCents: 6320,
    });
  });

  test('fixed amounts, and a creator-wide coupon on any course of its creator', () => {
    expect(
      checkCoupon(
        coupon({ courseId: null, discountType: 'fixed_amount', percentOff: null, amountOffCents: 1000 }),
        course,
        at,
      ),
    ).toMatchObject({ ok: true, netCents: 6900 });
  });

  test.each<[string, Partial<CouponTerms>, string]>([
    ['another course', { courseId: 'course-2' }, 'Coupon not valid for this course'],
    ['another creator (creator-wide coupon)', { courseId: null, creatorId: 'bob' }, 'Coupon not valid for this course'],
    ['expired at this very instant', { expiresAt: at }, 'Coupon expired'],
    ['used up', { maxUses: 3, currentUses: 3 }, 'Coupon usage limit reached'],
  ])('%s → "%s"', (_what, overrides, message) => {
    expect(checkCoupon(coupon(overrides), course, at)).toMatchObject({ ok: false, message });
  });

  test('still valid a millisecond before expiry and below the limit', () => {
    expect(
      checkCoupon(coupon({ expiresAt: new Date(at.getTime() + 1), maxUses: 3, currentUses: 2 }), course, at).ok,
    ).toBe(true);
  });

  test('never below Stripe’s minimum charge, never negative', () => {
    for (const overrides of [
      { percentOff: 100 },
      { discountType: 'fixed_amount' as const, percentOff: null, amountOffCents: 7851 },
      { discountType: 'fixed_amount' as const, percentOff: null, amountOffCents: 9999 },
    ]) {
      expect(checkCoupon(coupon(overrides), course, at)).toMatchObject({
        ok: false,
        reason: 'below_minimum',
        message: expect.stringMatching(/^Coupon would reduce/),
      });
    }
    expect(
      checkCoupon(coupon({ discountType: 'fixed_amount', percentOff: null, amountOffCents: 7850 }), course, at),
    ).toMatchObject({ ok: true, netCents: 50 });
  });

  test('the scope is checked before expiry and usage (a stranger’s coupon says so first)', () => {
    expect(checkCoupon(coupon({ courseId: 'course-2', expiresAt: at, maxUses: 0 }), course, at)).toMatchObject({
      reason: 'wrong_course',
    });
  });
});

test('codes are case-insensitive', () => {
  expect(normalizeCouponCode('  python20 ')).toBe('PYTHON20');
});
