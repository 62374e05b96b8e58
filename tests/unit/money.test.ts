import {
  INSTRUCTOR_SHARE_PERCENT,
  MoneyRuleError,
  PAYOUT_MINIMUM_CENTS,
  REFUND_WINDOW_DAYS,
  STRIPE_MINIMUM_CHARGE_CENTS,
  applyCoupon,
  dollarsToCents,
  estimateStripeFee,
  formatUsd,
  isMoneyRuleError,
  isPayoutDue,
  isWithinRefundWindow,
  payableBalance,
  splitRevenue,
  sumCents,
} from '../../src/domain/money';

function moneyErrorCode(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (err) {
    if (isMoneyRuleError(err)) return err.code;
    throw err;
  }
  return undefined;
}

describe('constants', () => {
  it('match DESIGN §3', () => {
    expect(INSTRUCTOR_SHARE_PERCENT).toBe(70);
    expect(PAYOUT_MINIMUM_CENTS).toBe(5000);
    expect(STRIPE_MINIMUM_CHARGE_CENTS).toBe(50);
    expect(REFUND_WINDOW_DAYS).toBe(30);
  });
});

describe('splitRevenue', () => {
  it('$79.00 → $55.30 instructor / $23.70 platform (MKT-015)', () => {
    expect(splitRevenue(7900)).toEqual({ instructorCents: 5530, platformCents: 2370 });
  });

  it('$63.20 (79.00 with PYTHON20) → $44.24 / $18.96', () => {
    expect(splitRevenue(6320)).toEqual({ instructorCents: 4424, platformCents: 1896 });
  });

  it('rounds the instructor share half up', () => {
    // 1 × 0.7 = 0.7 → 1
    expect(splitRevenue(1)).toEqual({ instructorCents: 1, platformCents: 0 });
    // 5 × 0.7 = 3.5 → 4 (half up)
    expect(splitRevenue(5)).toEqual({ instructorCents: 4, platformCents: 1 });
    // 15 × 0.7 = 10.5 → 11 (half up)
    expect(splitRevenue(15)).toEqual({ instructorCents: 11, platformCents: 4 });
    // 25 × 0.7 = 17.5 → 18
    expect(splitRevenue(25)).toEqual({ instructorCents: 18, platformCents: 7 });
    // 2 × 0.7 = 1.4 → 1
    expect(splitRevenue(2)).toEqual({ instructorCents: 1, platformCents: 1 });
    // 999 × 0.7 = 699.3 → 699
    expect(splitRevenue(999)).toEqual({ instructorCents: 699, platformCents: 300 });
    // 4999 × 0.7 = 3499.3 → 3499
    expect(splitRevenue(4999)).toEqual({ instructorCents: 3499, platformCents: 1500 });
  });

  it('zero net → zero shares', () => {
    expect(splitRevenue(0)).toEqual({ instructorCents: 0, platformCents: 0 });
  });

  it('instructor + platform == net, instructor is round_half_up(net × 70%), for every net 0..100000', () => {
    for (let net = 0; net <= 100_000; net++) {
      const { instructorCents, platformCents } = splitRevenue(net);
      // Independent oracle: 70% of net in tenths of a cent is net × 7; half up on the tenths digit.
      const tenths = net * 7;
      const expected = Math.floor(tenths / 10) + (tenths % 10 >= 5 ? 1 : 0);
      if (instructorCents !== expected || instructorCents + platformCents !== net || platformCents < 0) {
        throw new Error(`split of ${net}: ${instructorCents} + ${platformCents} (expected instructor ${expected})`);
      }
    }
  });

  it('rejects non-integer, negative and unsafe amounts', () => {
    expect(moneyErrorCode(() => splitRevenue(79.5))).toBe('invalid_amount');
    expect(moneyErrorCode(() => splitRevenue(-1))).toBe('invalid_amount');
    expect(moneyErrorCode(() => splitRevenue(Number.NaN))).toBe('invalid_amount');
    expect(moneyErrorCode(() => splitRevenue(Number.MAX_SAFE_INTEGER))).toBe('invalid_amount');
  });
});

describe('applyCoupon', () => {
  it('PYTHON20: $79.00 with 20% off → discount $15.80, net $63.20', () => {
    expect(applyCoupon(7900, { type: 'percentage', percentOff: 20 })).toEqual({
      discountCents: 1580,
      netCents: 6320,
    });
  });

  it('spec chain: $79.00 − 20% → $63.20 → $44.24 / $18.96', () => {
    const { netCents } = applyCoupon(7900, { type: 'percentage', percentOff: 20 });
    expect(splitRevenue(netCents)).toEqual({ instructorCents: 4424, platformCents: 1896 });
  });

  it('rounds a percentage discount half up in cents', () => {
    // 15% of $9.99 = 149.85 → 150
    expect(applyCoupon(999, { type: 'percentage', percentOff: 15 })).toEqual({ discountCents: 150, netCents: 849 });
    // 10% of $1.05 = 10.5 → 11 (half up)
    expect(applyCoupon(105, { type: 'percentage', percentOff: 10 })).toEqual({ discountCents: 11, netCents: 94 });
    // 10% of $1.04 = 10.4 → 10
    expect(applyCoupon(104, { type: 'percentage', percentOff: 10 })).toEqual({ discountCents: 10, netCents: 94 });
    // 12.5% of $10.00 = 125 exactly
    expect(applyCoupon(1000, { type: 'percentage', percentOff: 12.5 })).toEqual({ discountCents: 125, netCents: 875 });
    // 33.33% of $1.00 = 33.33 → 33
    expect(applyCoupon(100, { type: 'percentage', percentOff: 33.33 })).toEqual({ discountCents: 33, netCents: 67 });
  });

  it('applies a fixed-amount coupon', () => {
    expect(applyCoupon(7900, { type: 'fixed_amount', amountOffCents: 1000 })).toEqual({
      discountCents: 1000,
      netCents: 6900,
    });
  });

  it('allows a net of exactly the Stripe minimum ($0.50)', () => {
    expect(applyCoupon(7900, { type: 'fixed_amount', amountOffCents: 7850 })).toEqual({
      discountCents: 7850,
      netCents: 50,
    });
    expect(applyCoupon(100, { type: 'percentage', percentOff: 50 })).toEqual({ discountCents: 50, netCents: 50 });
  });

  it('rejects a coupon that leaves less than $0.50, or nothing, to charge', () => {
    expect(moneyErrorCode(() => applyCoupon(7900, { type: 'fixed_amount', amountOffCents: 7851 }))).toBe(
      'coupon_below_minimum',
    );
    expect(moneyErrorCode(() => applyCoupon(7900, { type: 'fixed_amount', amountOffCents: 7900 }))).toBe(
      'coupon_below_minimum',
    );
    expect(moneyErrorCode(() => applyCoupon(7900, { type: 'fixed_amount', amountOffCents: 10_000 }))).toBe(
      'coupon_below_minimum',
    );
    expect(moneyErrorCode(() => applyCoupon(7900, { type: 'percentage', percentOff: 100 }))).toBe(
      'coupon_below_minimum',
    );
    expect(moneyErrorCode(() => applyCoupon(99, { type: 'percentage', percentOff: 50 }))).toBe('coupon_below_minimum');
  });

  it('throws a MoneyRuleError with a readable message', () => {
    expect(() => applyCoupon(7900, { type: 'percentage', percentOff: 100 })).toThrow(MoneyRuleError);
    expect(() => applyCoupon(7900, { type: 'percentage', percentOff: 100 })).toThrow(
      'coupon would reduce the price $79.00 to $0.00, below the minimum charge of $0.50',
    );
  });

  it('rejects malformed coupons', () => {
    for (const percentOff of [0, -5, 100.01, 101, 12.345, Number.NaN, Number.POSITIVE_INFINITY]) {
      expect(moneyErrorCode(() => applyCoupon(7900, { type: 'percentage', percentOff }))).toBe('invalid_coupon');
    }
    for (const amountOffCents of [0, -100, 10.5, Number.NaN]) {
      expect(moneyErrorCode(() => applyCoupon(7900, { type: 'fixed_amount', amountOffCents }))).toBe('invalid_coupon');
    }
    expect(moneyErrorCode(() => applyCoupon(7900, { type: 'bogus' } as never))).toBe('invalid_coupon');
  });

  it('rejects a malformed price', () => {
    expect(moneyErrorCode(() => applyCoupon(79.0001, { type: 'percentage', percentOff: 20 }))).toBe('invalid_amount');
    expect(moneyErrorCode(() => applyCoupon(-7900, { type: 'percentage', percentOff: 20 }))).toBe('invalid_amount');
  });
});

describe('estimateStripeFee', () => {
  it('$79.00 → $2.59 (2.291 + 0.30 = 2.591)', () => {
    expect(estimateStripeFee(7900)).toBe(259);
  });

  it('$63.20 → 183.28 → 183 + 30 = $2.13', () => {
    expect(estimateStripeFee(6320)).toBe(213);
  });

  it('rounds the percentage part half up', () => {
    // 50 × 2.9% = 1.45 → 1, + 30
    expect(estimateStripeFee(50)).toBe(31);
    // 1000 × 2.9% = 29.0
    expect(estimateStripeFee(1000)).toBe(59);
    // 1500 × 2.9% = 43.5 → 44 (half up)
    expect(estimateStripeFee(1500)).toBe(74);
    // 2500 × 2.9% = 72.5 → 73 (half up)
    expect(estimateStripeFee(2500)).toBe(103);
    // 2499 × 2.9% = 72.471 → 72
    expect(estimateStripeFee(2499)).toBe(102);
  });

  it('is zero when nothing is charged and rejects bad input', () => {
    expect(estimateStripeFee(0)).toBe(0);
    expect(moneyErrorCode(() => estimateStripeFee(-1))).toBe('invalid_amount');
    expect(moneyErrorCode(() => estimateStripeFee(1.5))).toBe('invalid_amount');
  });
});

describe('payableBalance and isPayoutDue', () => {
  it('$44.24 + $55.30 = $99.54, due', () => {
    const balance = payableBalance([4424, 5530], []);
    expect(balance).toBe(9954);
    expect(formatUsd(balance)).toBe('$99.54');
    expect(isPayoutDue(balance)).toBe(true);
  });

  it('$850.00 payout', () => {
    const balance = payableBalance([50_000, 30_000, 5_000], []);
    expect(balance).toBe(85_000);
    expect(formatUsd(balance)).toBe('$850.00');
    expect(isPayoutDue(balance)).toBe(true);
  });

  it('deducts outstanding adjustments whatever their stored sign', () => {
    expect(payableBalance([4424, 5530], [5530])).toBe(4424);
    expect(payableBalance([4424, 5530], [-5530])).toBe(4424);
    expect(payableBalance([4424, 5530], [-100, 200])).toBe(9654);
  });

  it('can go negative (more clawed back than earned) — never due', () => {
    const balance = payableBalance([1000], [-5530]);
    expect(balance).toBe(-4530);
    expect(isPayoutDue(balance)).toBe(false);
  });

  it('is zero with nothing payable', () => {
    expect(payableBalance([], [])).toBe(0);
  });

  it('threshold is exactly $50.00', () => {
    expect(isPayoutDue(4999)).toBe(false);
    expect(isPayoutDue(5000)).toBe(true);
    expect(isPayoutDue(0)).toBe(false);
    expect(isPayoutDue(-10_000)).toBe(false);
    expect(isPayoutDue(Number.NaN)).toBe(false);
    // $44.24 alone waits for a later month
    expect(isPayoutDue(payableBalance([4424], []))).toBe(false);
  });

  it('rejects non-integer or negative shares', () => {
    expect(moneyErrorCode(() => payableBalance([44.24], []))).toBe('invalid_amount');
    expect(moneyErrorCode(() => payableBalance([-1], []))).toBe('invalid_amount');
    expect(moneyErrorCode(() => payableBalance([100], [0.5]))).toBe('invalid_amount');
  });
});

describe('sumCents', () => {
  it('adds whole cents and rejects fractions', () => {
    expect(sumCents([5530, 2370, -100])).toBe(7800);
    expect(sumCents([])).toBe(0);
    expect(moneyErrorCode(() => sumCents([0.1, 0.2]))).toBe('invalid_amount');
  });
});

describe('isWithinRefundWindow', () => {
  const paid = new Date('2026-03-01T12:00:00Z');
  it('is open up to exactly 30 days after payment', () => {
    expect(isWithinRefundWindow(paid, new Date('2026-03-01T12:00:01Z'))).toBe(true);
    expect(isWithinRefundWindow(paid, new Date('2026-03-31T12:00:00Z'))).toBe(true);
    expect(isWithinRefundWindow(paid, new Date('2026-03-31T12:00:00.001Z'))).toBe(false);
    expect(isWithinRefundWindow(paid, new Date('2026-04-15T00:00:00Z'))).toBe(false);
  });
  it('rejects invalid dates', () => {
    expect(() => isWithinRefundWindow(new Date('nope'), paid)).toThrow(RangeError);
  });
});

describe('formatUsd', () => {
  it('formats cents as dollars', () => {
    expect(formatUsd(5530)).toBe('$55.30');
    expect(formatUsd(2370)).toBe('$23.70');
    expect(formatUsd(0)).toBe('$0.00');
    expect(formatUsd(5)).toBe('$0.05');
    expect(formatUsd(50)).toBe('$0.50');
    expect(formatUsd(7900)).toBe('$79.00');
    expect(formatUsd(123_456)).toBe('$1,234.56');
    expect(formatUsd(100_000_000)).toBe('$1,000,000.00');
    expect(formatUsd(-500)).toBe('-$5.00');
    expect(formatUsd(-5)).toBe('-$0.05');
  });
  it('rejects fractional cents', () => {
    expect(moneyErrorCode(() => formatUsd(55.3))).toBe('invalid_amount');
  });
});

describe('dollarsToCents', () => {
  it('parses numbers and strings exactly', () => {
    expect(dollarsToCents(79)).toBe(7900);
    expect(dollarsToCents('79')).toBe(7900);
    expect(dollarsToCents('79.00')).toBe(7900);
    expect(dollarsToCents(79.0)).toBe(7900);
    expect(dollarsToCents(4.99)).toBe(499);
    expect(dollarsToCents('4.99')).toBe(499);
    expect(dollarsToCents(4.9)).toBe(490);
    expect(dollarsToCents('4.9')).toBe(490);
    expect(dollarsToCents('4.')).toBe(400);
    expect(dollarsToCents(0.29)).toBe(29); // 0.29 * 100 = 28.999999999999996 as a float
    expect(dollarsToCents(1.15)).toBe(115); // 1.15 * 100 = 114.99999999999999 as a float
    expect(dollarsToCents(' 63.20 ')).toBe(6320);
    expect(dollarsToCents(0)).toBe(0);
    expect(dollarsToCents('1234567.89')).toBe(123_456_789);
  });

  it('rejects more than two decimals, float noise and non-numbers', () => {
    for (const bad of [
      '4.999',
      0.1 + 0.2,
      4.999,
      '',
      '.5',
      '-5',
      -5,
      '+5',
      '1e3',
      1e21,
      '1,000',
      '$5',
      'abc',
      Number.NaN,
      Infinity,
    ]) {
      expect(moneyErrorCode(() => dollarsToCents(bad))).toBe('invalid_amount');
    }
  });

  it('says why when there are too many decimals', () => {
    expect(() => dollarsToCents('4.999')).toThrow('at most two decimals');
  });

  it('rejects amounts too large to be exact', () => {
    expect(moneyErrorCode(() => dollarsToCents('99999999999999999999'))).toBe('invalid_amount');
  });

  it('round-trips with formatUsd', () => {
    for (const cents of [0, 1, 9, 10, 99, 100, 499, 5530, 7900, 123_456]) {
      expect(dollarsToCents(formatUsd(cents).replace(/[$,]/g, ''))).toBe(cents);
    }
  });
});
