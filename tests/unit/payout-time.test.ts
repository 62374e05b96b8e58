import { nextPayoutRunAt, payPeriodOf } from '../../src/domain/time';

describe('nextPayoutRunAt', () => {
  it.each([
    ['2026-11-27T07:29:12Z', '2026-12-01T00:00:00.000Z'],
    ['2026-12-31T23:59:59.999Z', '2027-01-01T00:00:00.000Z'],
    // The run of this very instant is already happening: the next one is a month away.
    ['2026-03-01T00:00:00Z', '2026-04-01T00:00:00.000Z'],
    ['2028-02-29T12:00:00Z', '2028-03-01T00:00:00.000Z'],
  ])('after %s the Schedule next fires at %s', (now, next) => {
    expect(nextPayoutRunAt(new Date(now)).toISOString()).toBe(next);
  });

  it('fires on the day whose run pays the month that contains `now`', () => {
    const now = new Date('2026-11-27T07:29:12Z');
    expect(payPeriodOf(nextPayoutRunAt(now))).toBe('2026-11-01');
  });

  it('rejects an invalid date', () => {
    expect(() => nextPayoutRunAt(new Date('nope'))).toThrow(RangeError);
  });
});
