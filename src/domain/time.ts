/**
 * Time rules: configuration durations and pay periods.
 *
 * Workflow-safe: bundled into the Temporal workflow sandbox, so no imports, no Node built-ins, no
 * clock (`Date.now()` / `new Date()`), no randomness, no I/O. Callers pass the instant explicitly
 * (in a workflow: the schedule's scheduled time or `workflowInfo().startTime`).
 */

const UNIT_MS = {
  ms: 1,
  s: 1000,
  m: 60 * 1000,
  h: 60 * 60 * 1000,
  d: 24 * 60 * 60 * 1000,
} as const;

export type DurationUnit = keyof typeof UNIT_MS;

/** Same grammar as the duration settings in `src/config.ts` (e.g. ESCROW_HOLD, JWT_TTL). */
const DURATION_PATTERN = /^(\d+)\s*(ms|s|m|h|d)$/;

/**
 * Parses a duration such as "500ms", "30s", "5m", "2h" or "7d" (one integer and one unit; a space
 * between them is allowed) into milliseconds. A day is 24 hours. Throws RangeError otherwise.
 */
export function parseDuration(text: string): number {
  const match = typeof text === 'string' ? DURATION_PATTERN.exec(text.trim()) : null;
  if (!match) {
    throw new RangeError(
      `invalid duration ${JSON.stringify(text)}: expected a whole number and a unit, e.g. 500ms, 30s, 5m, 2h or 7d`,
    );
  }
  const ms = Number(match[1]) * UNIT_MS[match[2] as DurationUnit];
  if (!Number.isSafeInteger(ms)) {
    throw new RangeError(`duration ${JSON.stringify(text)} is too long`);
  }
  return ms;
}

/** A pay period is named by its first day, 'YYYY-MM-01' (a DATE column, no time zone). */
export type PayPeriod = string;

const PAY_PERIOD_PATTERN = /^(\d{4})-(0[1-9]|1[0-2])-01$/;

function formatPeriod(year: number, monthIndex: number): PayPeriod {
  return `${String(year).padStart(4, '0')}-${String(monthIndex + 1).padStart(2, '0')}-01`;
}

/**
 * The pay period that a payout run at `date` settles: the calendar month (UTC) BEFORE the month of
 * `date`. The Schedule fires on the 1st at 00:00 UTC, so the run scheduled for 2026-03-01T00:00Z
 * pays period '2026-02-01' (February's sales), and the run of 2026-01-01 pays '2025-12-01'.
 * Pass the run's *scheduled* time, not the time it happened to start: a run that is late, caught up
 * or backfilled still pays the month it was scheduled for; a manual run on 2026-03-15 also pays
 * '2026-02-01'.
 */
export function payPeriodOf(date: Date): PayPeriod {
  const t = date.getTime();
  if (Number.isNaN(t)) {
    throw new RangeError('payPeriodOf: invalid date');
  }
  const year = date.getUTCFullYear();
  const month = date.getUTCMonth(); // 0..11
  return month === 0 ? formatPeriod(year - 1, 11) : formatPeriod(year, month - 1);
}

/** True for a well-formed period name such as '2026-02-01'. */
export function isPayPeriod(value: string): boolean {
  return PAY_PERIOD_PATTERN.test(value);
}

/**
 * The half-open UTC interval [start, end) covered by a period: '2026-02-01' →
 * [2026-02-01T00:00Z, 2026-03-01T00:00Z).
 */
export function payPeriodBounds(period: PayPeriod): { start: Date; end: Date } {
  const match = PAY_PERIOD_PATTERN.exec(period);
  if (!match) {
    throw new RangeError(`invalid pay period ${JSON.stringify(period)}: expected 'YYYY-MM-01'`);
  }
  const year = Number(match[1]);
  const monthIndex = Number(match[2]) - 1;
  return {
    start: new Date(Date.UTC(year, monthIndex, 1)),
    end: new Date(Date.UTC(year, monthIndex + 1, 1)),
  };
}

/**
 * When the next monthly payout run is scheduled after `now`: 00:00 UTC on the 1st of the next month
 * (the Schedule's calendar). At exactly 2026-03-01T00:00Z that is 2026-04-01T00:00Z — the run of the
 * current instant is already happening.
 */
export function nextPayoutRunAt(now: Date): Date {
  if (Number.isNaN(now.getTime())) {
    throw new RangeError('nextPayoutRunAt: invalid date');
  }
  return new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + 1, 1));
}
