/**
 * Money rules (DESIGN §3) — the ONE place where they are written down.
 *
 * Every amount is an integer number of US cents (a JS `number` that is a safe integer).
 * Percentages are applied with integer arithmetic only, rounding half up, so no float ever
 * reaches a stored or charged amount. Routes, activities and workflows all import from here.
 *
 * Workflow-safe: this module is bundled into the Temporal workflow sandbox, so it has no imports,
 * no Node built-ins, no clock, no randomness and no I/O. Keep it that way (ESLint enforces it).
 */

/** Share of a sale's net amount that belongs to the instructor (DESIGN §3). */
export const INSTRUCTOR_SHARE_PERCENT = 70;
/** An instructor is paid in a monthly run only when the payable balance is at least $50.00. */
export const PAYOUT_MINIMUM_CENTS = 5000;
/** Stripe refuses to charge less than $0.50 (USD). */
export const STRIPE_MINIMUM_CHARGE_CENTS = 50;
/** A purchase can be refunded within 30 days of the payment. */
export const REFUND_WINDOW_DAYS = 30;
/** Stripe's fee on a card charge: 2.9% (expressed in basis points) + 30 cents. Borne by the platform. */
export const STRIPE_FEE_BASIS_POINTS = 290;
export const STRIPE_FEE_FIXED_CENTS = 30;

const MS_PER_DAY = 24 * 60 * 60 * 1000;
const BASIS_POINTS_PER_WHOLE = 10_000;

export type MoneyRuleErrorCode =
  /** An amount that should be a non-negative integer of cents was not. */
  | 'invalid_amount'
  /** A coupon definition is malformed (percentage outside (0, 100], non-positive fixed amount, ...). */
  | 'invalid_coupon'
  /** Applying the coupon would leave less than Stripe's minimum charge (or nothing) to pay. */
  | 'coupon_below_minimum';

/**
 * A violated money rule. `code` is stable and machine-readable (map it to an HTTP problem type or to
 * `ApplicationFailure.nonRetryable(message, code)`); do not rely on the class name across the
 * workflow/activity boundary.
 */
export class MoneyRuleError extends Error {
  readonly code: MoneyRuleErrorCode;

  constructor(code: MoneyRuleErrorCode, message: string) {
    super(message);
    this.name = 'MoneyRuleError';
    this.code = code;
  }
}

export function isMoneyRuleError(err: unknown): err is MoneyRuleError {
  return err instanceof MoneyRuleError;
}

/** Throws `invalid_amount` unless `cents` is a non-negative safe integer. */
export function assertCents(cents: number, what = 'amount'): void {
  if (!Number.isSafeInteger(cents) || cents < 0) {
    throw new MoneyRuleError(
      'invalid_amount',
      `${what} must be a non-negative whole number of cents, got ${String(cents)}`,
    );
  }
}

/**
 * `round_half_up(cents × basisPoints / 10000)` with integer arithmetic only (0.5 cent rounds up).
 * Exact while `cents × basisPoints` stays a safe integer (cents up to ~9·10^11 at 100%).
 */
function applyBasisPoints(cents: number, basisPoints: number): number {
  const product = cents * basisPoints;
  if (!Number.isSafeInteger(product)) {
    throw new MoneyRuleError('invalid_amount', `amount ${cents} cents is too large to compute exactly`);
  }
  return Math.floor((product + BASIS_POINTS_PER_WHOLE / 2) / BASIS_POINTS_PER_WHOLE);
}

export interface RevenueSplit {
  instructorCents: number;
  platformCents: number;
}

/**
 * Splits what the buyer paid (net = gross − discount, tax excluded) between instructor and platform:
 * instructor = round_half_up(net × 70%), platform = net − instructor, so the two always add up to net.
 * $79.00 → $55.30 / $23.70; $63.20 → $44.24 / $18.96.
 */
export function splitRevenue(netCents: number): RevenueSplit {
  assertCents(netCents, 'net amount');
  const instructorCents = applyBasisPoints(netCents, INSTRUCTOR_SHARE_PERCENT * 100);
  return { instructorCents, platformCents: netCents - instructorCents };
}

export type Coupon = { type: 'percentage'; percentOff: number } | { type: 'fixed_amount'; amountOffCents: number };

export interface CouponResult {
  discountCents: number;
  netCents: number;
}

/**
 * Converts a percentage such as 20 or 12.5 to basis points exactly (through its decimal string, so
 * 12.34 is 1234 and not 1233.9999). At most two decimals.
 */
function percentToBasisPoints(percent: number): number | null {
  if (!Number.isFinite(percent)) return null;
  const match = /^(\d+)(?:\.(\d{1,2}))?$/.exec(String(percent));
  if (!match) return null;
  return Number(match[1]) * 100 + Number((match[2] ?? '').padEnd(2, '0'));
}

/**
 * Applies a coupon to the course price.
 * - percentage: discount = round_half_up(gross × percentOff / 100) cents (percentOff in (0, 100], up
 *   to two decimals);
 * - fixed_amount: discount = amountOffCents (a positive whole number of cents).
 * The buyer must still pay at least Stripe's minimum charge ($0.50): a coupon that would leave less
 * (including a 100% or larger-than-price coupon) is rejected with `coupon_below_minimum` rather than
 * silently clamped, so that nobody is charged a price the instructor did not set.
 */
export function applyCoupon(grossCents: number, coupon: Coupon): CouponResult {
  assertCents(grossCents, 'gross amount');
  let discountCents: number;
  if (coupon.type === 'percentage') {
    const basisPoints = percentToBasisPoints(coupon.percentOff);
    if (basisPoints === null || basisPoints <= 0 || basisPoints > BASIS_POINTS_PER_WHOLE) {
      throw new MoneyRuleError(
        'invalid_coupon',
        `percentage coupon must be more than 0 and at most 100 (two decimals at most), got ${String(coupon.percentOff)}`,
      );
    }
    discountCents = applyBasisPoints(grossCents, basisPoints);
  } else if (coupon.type === 'fixed_amount') {
    if (!Number.isSafeInteger(coupon.amountOffCents) || coupon.amountOffCents <= 0) {
      throw new MoneyRuleError(
        'invalid_coupon',
        `fixed-amount coupon must take off a positive whole number of cents, got ${String(coupon.amountOffCents)}`,
      );
    }
    discountCents = coupon.amountOffCents;
  } else {
    const unknownType: unknown = (coupon as { type?: unknown }).type;
    throw new MoneyRuleError('invalid_coupon', `unknown coupon type ${String(unknownType)}`);
  }

  const netCents = grossCents - discountCents;
  if (netCents < STRIPE_MINIMUM_CHARGE_CENTS) {
    throw new MoneyRuleError(
      'coupon_below_minimum',
      `coupon would reduce the price ${formatUsd(grossCents)} to ${formatUsd(Math.max(netCents, 0))}, ` +
        `below the minimum charge of ${formatUsd(STRIPE_MINIMUM_CHARGE_CENTS)}`,
    );
  }
  return { discountCents, netCents };
}

/**
 * Stripe's processing fee on the amount actually charged: round_half_up(charged × 2.9%) + 30 cents.
 * $79.00 → 229.1 → 229 + 30 = 259 cents ($2.59). Recorded per transaction, borne by the platform.
 * Nothing charged, no fee.
 */
export function estimateStripeFee(chargedCents: number): number {
  assertCents(chargedCents, 'charged amount');
  if (chargedCents === 0) return 0;
  return applyBasisPoints(chargedCents, STRIPE_FEE_BASIS_POINTS) + STRIPE_FEE_FIXED_CENTS;
}

/** Sum of whole-cent amounts; throws if any is not a safe integer or the total overflows. */
export function sumCents(amounts: readonly number[]): number {
  let total = 0;
  for (const amount of amounts) {
    if (!Number.isSafeInteger(amount)) {
      throw new MoneyRuleError('invalid_amount', `not a whole number of cents: ${String(amount)}`);
    }
    total += amount;
  }
  if (!Number.isSafeInteger(total)) {
    throw new MoneyRuleError('invalid_amount', 'sum of cents is too large to compute exactly');
  }
  return total;
}

/**
 * An instructor's payable balance (DESIGN §9): payable shares not yet in a payout minus outstanding
 * adjustments (clawbacks of shares refunded after they were paid out).
 * Adjustments are deductions whatever sign they are stored with: -5530 and 5530 both deduct $55.30.
 * The result can be negative (more clawed back than earned); such a balance is simply not due —
 * a transfer is never negative — and carries over to later months.
 */
export function payableBalance(
  payableShareCents: readonly number[],
  outstandingAdjustmentCents: readonly number[],
): number {
  for (const share of payableShareCents) assertCents(share, 'payable share');
  const earned = sumCents(payableShareCents);
  const deducted = sumCents(outstandingAdjustmentCents.map((a) => Math.abs(a)));
  return earned - deducted;
}

/** A monthly payout is made when the payable balance is at least $50.00 (smaller balances wait). */
export function isPayoutDue(balanceCents: number): boolean {
  return Number.isSafeInteger(balanceCents) && balanceCents >= PAYOUT_MINIMUM_CENTS;
}

/**
 * True while a purchase paid at `paidAt` can still be refunded at `at` (up to and including exactly
 * 30 × 24 hours after the payment). Pass the current time explicitly (`workflow` time in workflows).
 */
export function isWithinRefundWindow(paidAt: Date, at: Date): boolean {
  const paid = paidAt.getTime();
  const now = at.getTime();
  if (Number.isNaN(paid) || Number.isNaN(now)) {
    throw new RangeError('isWithinRefundWindow: invalid date');
  }
  return now - paid <= REFUND_WINDOW_DAYS * MS_PER_DAY;
}

/** Cents as US dollars for people: 5530 → "$55.30", 123456 → "$1,234.56", -500 → "-$5.00". */
export function formatUsd(cents: number): string {
  if (!Number.isSafeInteger(cents)) {
    throw new MoneyRuleError('invalid_amount', `not a whole number of cents: ${String(cents)}`);
  }
  const sign = cents < 0 ? '-' : '';
  const abs = Math.abs(cents);
  const dollars = String(Math.floor(abs / 100)).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  const rest = String(abs % 100).padStart(2, '0');
  return `${sign}$${dollars}.${rest}`;
}

/**
 * Parses a dollar amount as typed by a person or sent by a client — 79, "79", "79.00", 4.99, "4.9" —
 * into cents, exactly: the decimal string is parsed digit by digit, never multiplied as a float.
 * Rejects negatives, more than two decimals ("4.999", 0.1 + 0.2), exponents, signs, separators and
 * anything that is not a plain decimal number, with `invalid_amount`.
 */
export function dollarsToCents(value: string | number): number {
  let text: string;
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) {
      throw new MoneyRuleError('invalid_amount', `not a dollar amount: ${String(value)}`);
    }
    text = String(value);
  } else if (typeof value === 'string') {
    text = value.trim();
  } else {
    throw new MoneyRuleError('invalid_amount', `not a dollar amount: ${String(value)}`);
  }
  const match = /^(\d+)(?:\.(\d{0,2}))?$/.exec(text);
  if (!match) {
    const why = /^\d+\.\d{3,}$/.test(text) ? ' (at most two decimals)' : '';
    throw new MoneyRuleError('invalid_amount', `not a dollar amount${why}: ${JSON.stringify(text)}`);
  }
  const cents = Number(match[1]) * 100 + Number((match[2] ?? '').padEnd(2, '0'));
  if (!Number.isSafeInteger(cents)) {
    throw new MoneyRuleError('invalid_amount', `dollar amount too large: ${JSON.stringify(text)}`);
  }
  return cents;
}
