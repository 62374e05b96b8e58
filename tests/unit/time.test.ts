import { isPayPeriod, parseDuration, payPeriodBounds, payPeriodOf } from '../../src/domain/time';

describe('parseDuration', () => {
  it('parses every unit', () => {
    expect(parseDuration('500ms')).toBe(500);
    expect(parseDuration('30s')).toBe(30_000);
    expect(parseDuration('5m')).toBe(300_000);
    expect(parseDuration('2h')).toBe(7_200_000);
    expect(parseDuration('7d')).toBe(604_800_000);
    expect(parseDuration('12h')).toBe(43_200_000);
    expect(parseDuration('0s')).toBe(0);
  });

  it('accepts the same spacing as src/config.ts', () => {
    expect(parseDuration('7 d')).toBe(604_800_000);
    expect(parseDuration(' 30s ')).toBe(30_000);
  });

  it('rejects anything else', () => {
    for (const bad of ['', '7', 'd', '7days', '1.5h', '-5m', '5M', '5 m s', '1h30m', 'ms', '10 sec']) {
      expect(() => parseDuration(bad)).toThrow(RangeError);
    }
    expect(() => parseDuration(undefined as unknown as string)).toThrow(RangeError);
  });

  it('rejects durations too long to be exact', () => {
    expect(() => parseDuration('99999999999999999d')).toThrow('too long');
  });
});

describe('payPeriodOf', () => {
  it('the run scheduled on the 1st at 00:00 UTC pays the previous month', () => {
    expect(payPeriodOf(new Date('2026-03-01T00:00:00Z'))).toBe('2026-02-01');
    expect(payPeriodOf(new Date('2026-02-01T00:00:00Z'))).toBe('2026-01-01');
  });

  it('January pays December of the previous year', () => {
    expect(payPeriodOf(new Date('2026-01-01T00:00:00Z'))).toBe('2025-12-01');
  });

  it('a late or manual run in the month still pays the previous month', () => {
    expect(payPeriodOf(new Date('2026-03-01T00:05:13.250Z'))).toBe('2026-02-01');
    expect(payPeriodOf(new Date('2026-03-15T10:00:00Z'))).toBe('2026-02-01');
    expect(payPeriodOf(new Date('2026-03-31T23:59:59.999Z'))).toBe('2026-02-01');
  });

  it('uses UTC, not the local time zone', () => {
    // 2026-02-28T23:30 in New York is already 2026-03-01T04:30Z.
    expect(payPeriodOf(new Date('2026-02-28T23:30:00-05:00'))).toBe('2026-02-01');
    // 2026-03-01T00:30 in Berlin is still 2026-02-28T23:30Z.
    expect(payPeriodOf(new Date('2026-03-01T00:30:00+01:00'))).toBe('2026-01-01');
  });

  it('rejects an invalid date', () => {
    expect(() => payPeriodOf(new Date('not a date'))).toThrow(RangeError);
  });
});

describe('pay period helpers', () => {
  it('recognises period names', () => {
    expect(isPayPeriod('2026-02-01')).toBe(true);
    expect(isPayPeriod('2026-02-15')).toBe(false);
    expect(isPayPeriod('2026-13-01')).toBe(false);
    expect(isPayPeriod('2026-2-01')).toBe(false);
  });

  it('gives the half-open UTC interval of a period', () => {
    const { start, end } = payPeriodBounds('2026-02-01');
    expect(start.toISOString()).toBe('2026-02-01T00:00:00.000Z');
    expect(end.toISOString()).toBe('2026-03-01T00:00:00.000Z');
    expect(payPeriodBounds('2025-12-01').end.toISOString()).toBe('2026-01-01T00:00:00.000Z');
    expect(() => payPeriodBounds('2026-02-15')).toThrow(RangeError);
  });

  it('the period paid by a run ends exactly when the run is scheduled', () => {
    const scheduled = new Date('2026-03-01T00:00:00Z');
    expect(payPeriodBounds(payPeriodOf(scheduled)).end.getTime()).toBe(scheduled.getTime());
  });
});
