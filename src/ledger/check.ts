/**
 * The ledger check (`npm run verify`): the money invariants of DESIGN §3 over the whole database (or some
 * instructors' part of it). For every recorded sale: instructor + platform = net, the instructor share is the
 * 70% rule of src/domain/money.ts, and every cent of it is in exactly one place — held, frozen, payable, paid,
 * cancelled or clawed back — consistent with the transaction (a refunded sale's share is cancelled or clawed
 * back, never still owed), its payout and its adjustment. Every completed payout is exactly its shares minus
 * its clawbacks. Reads one consistent snapshot; changes nothing.
 */
import type { Knex } from 'knex';
import { formatUsd as usd, splitRevenue, sumCents } from '../domain/money';
import { SALE_STATUSES, saleStatusOf, type SaleStatus } from '../domain/sale-status';
import type { PayoutStatus } from '../models/InstructorPayout';
import type { RevenueAdjustmentStatus } from '../models/RevenueAdjustment';
import type { RevenueRecordStatus } from '../models/RevenueRecord';
import type { TransactionStatus } from '../models/Transaction';

export interface LedgerViolation {
  rule: string;
  transactionId?: string;
  payoutId?: string;
  detail: string;
}

export interface LedgerReport {
  ok: boolean;
  sales: number;
  /** Sum of every recorded instructor share. */
  instructorShareCents: number;
  /** Where those cents are: each share counted in exactly one bucket. */
  buckets: Record<SaleStatus, { count: number; cents: number }>;
  /** Instructor share not in any bucket (a sale whose share has no valid place); 0 when the books are exact. */
  unaccountedCents: number;
  adjustments: Record<RevenueAdjustmentStatus, { count: number; cents: number }>;
  completedPayouts: number;
  violations: LedgerViolation[];
}

/** One sale with everything its invariants relate it to. */
export interface SaleLedgerRow {
  transaction_id: string;
  tx_status: TransactionStatus;
  net_cents: number;
  revenue_id: string | null;
  instructor_id: string | null;
  instructor_cents: number | null;
  platform_cents: number | null;
  share_status: RevenueRecordStatus | null;
  payout_id: string | null;
  payout_status: PayoutStatus | null;
  adjustment_id: string | null;
  adjustment_cents: number | null;
  adjustment_status: RevenueAdjustmentStatus | null;
  adjustment_instructor_id: string | null;
  adjustment_transaction_id: string | null;
  adjustment_payout_status: PayoutStatus | null;
  active_enrollments: number;
}

/**
 * The invariants of one sale: the bucket its instructor share is in (null if it has no valid one) and the
 * rules it breaks.
 */
export function checkSale(row: SaleLedgerRow): { bucket: SaleStatus | null; violations: LedgerViolation[] } {
  const violations: LedgerViolation[] = [];
  const violation = (rule: string, detail: string) =>
    violations.push({ rule, transactionId: row.transaction_id, detail });
  const recorded = row.tx_status === 'completed' || row.tx_status === 'refunded';

  if (
    row.revenue_id === null ||
    row.share_status === null ||
    row.instructor_cents === null ||
    row.platform_cents === null
  ) {
    if (recorded) violation('sale_without_share', `${row.tx_status} transaction has no revenue record`);
    return { bucket: null, violations };
  }
  if (!recorded) {
    violation('share_without_sale', `revenue record on a ${row.tx_status} transaction`);
    return { bucket: null, violations };
  }
  if (row.instructor_cents + row.platform_cents !== row.net_cents) {
    violation(
      'split_sum',
      `instructor ${row.instructor_cents} + platform ${row.platform_cents} ≠ net ${row.net_cents}`,
    );
  }
  const expected = splitRevenue(row.net_cents).instructorCents;
  if (row.instructor_cents !== expected) {
    violation(
      'split_rule',
      `instructor share ${row.instructor_cents}, the 70% rule gives ${expected} of net ${row.net_cents}`,
    );
  }

  // The share's payout, if it is in one.
  if (row.payout_id !== null) {
    if (row.payout_status === 'failed')
      violation('share_in_failed_payout', `share still points at failed payout ${row.payout_id}`);
    if (row.share_status === 'held' || row.share_status === 'frozen') {
      violation('unreleased_share_in_payout', `${row.share_status} share is in payout ${row.payout_id}`);
    }
  }
  if (row.share_status === 'paid' && row.payout_status !== 'completed') {
    violation('paid_without_transfer', `share is paid but its payout is ${row.payout_status ?? 'missing'}`);
  }

  // The clawback, if there is one.
  const clawedBack = row.adjustment_id !== null;
  if (clawedBack) {
    if (row.adjustment_cents !== row.instructor_cents) {
      violation('clawback_amount', `adjustment of ${row.adjustment_cents} for a share of ${row.instructor_cents}`);
    }
    if (row.adjustment_instructor_id !== row.instructor_id || row.adjustment_transaction_id !== row.transaction_id) {
      violation('clawback_owner', 'adjustment names another instructor or transaction than its revenue record');
    }
    if (
      row.adjustment_status === 'applied' &&
      (row.adjustment_payout_status === null || row.adjustment_payout_status === 'failed')
    ) {
      violation(
        'clawback_applied_without_payout',
        `applied adjustment's payout is ${row.adjustment_payout_status ?? 'missing'}`,
      );
    }
  }

  let valid: boolean;
  if (row.tx_status === 'completed') {
    // A live sale: the share is held, frozen, payable or paid, and nothing was taken back.
    valid = !clawedBack && row.share_status !== 'cancelled';
    if (clawedBack) violation('clawback_without_refund', 'adjustment on a sale that was not refunded');
    if (row.share_status === 'cancelled')
      violation('cancelled_without_refund', 'share cancelled on a sale that was not refunded');
  } else {
    // A refunded sale: the share was cancelled before it went into a payout, or clawed back after (never
    // both). A clawed-back share is paid, or payable when the refund met it in a payout that was under way
    // (and, should that payout fail, back in the pool: share and clawback then cancel out in the balance).
    const cancelled = !clawedBack && row.share_status === 'cancelled';
    const clawedBackAfterPayout = clawedBack && (row.share_status === 'paid' || row.share_status === 'payable');
    valid = cancelled || clawedBackAfterPayout;
    if (!valid) {
      violation(
        'refund_not_reversed',
        clawedBack
          ? `share is ${row.share_status} and also clawed back`
          : `refunded sale's share is still ${row.share_status}`,
      );
    }
    if (row.active_enrollments > 0)
      violation('refunded_access_active', 'the buyer still has access to a refunded purchase');
  }
  return { bucket: valid ? saleStatusOf({ status: row.share_status, hasAdjustment: clawedBack }) : null, violations };
}

const BATCH = 5000;

export interface LedgerScope {
  /** Check only these instructors' sales and payouts (tests; `npm run verify -- --instructor <id>`). */
  instructorIds?: readonly string[];
}

export async function checkLedger(knex: Knex, scope: LedgerScope = {}): Promise<LedgerReport> {
  return knex.transaction(
    async (trx) => {
      const report: LedgerReport = {
        ok: true,
        sales: 0,
        instructorShareCents: 0,
        buckets: Object.fromEntries(SALE_STATUSES.map((s) => [s, { count: 0, cents: 0 }])) as LedgerReport['buckets'],
        unaccountedCents: 0,
        adjustments: { outstanding: { count: 0, cents: 0 }, applied: { count: 0, cents: 0 } },
        completedPayouts: 0,
        violations: [],
      };

      let after: string | null = null;
      for (;;) {
        const rows: SaleLedgerRow[] = await saleRows(trx, scope, after);
        if (rows.length === 0) break;
        after = rows[rows.length - 1].transaction_id;
        for (const row of rows) {
          const { bucket, violations } = checkSale(row);
          report.violations.push(...violations);
          if (row.instructor_cents === null) continue;
          report.sales++;
          report.instructorShareCents = sumCents([report.instructorShareCents, row.instructor_cents]);
          if (bucket) {
            report.buckets[bucket].count++;
            report.buckets[bucket].cents += row.instructor_cents;
          } else {
            report.unaccountedCents += row.instructor_cents;
          }
          if (row.adjustment_status !== null && row.adjustment_cents !== null) {
            report.adjustments[row.adjustment_status].count++;
            report.adjustments[row.adjustment_status].cents += row.adjustment_cents;
          }
        }
        if (rows.length < BATCH) break;
      }

      const payouts = await trx('instructor_payouts as p')
        .where('p.status', 'completed')
        .modify((q) => {
          if (scope.instructorIds) q.whereIn('p.instructor_id', scope.instructorIds);
        })
        .select<{ id: string; gross_cents: number; adjustments_cents: number; shares: number; clawbacks: number }[]>(
          'p.id',
          'p.gross_cents',
          'p.adjustments_cents',
          trx.raw(
            '(SELECT coalesce(sum(r.instructor_amount_cents), 0) FROM revenue_records r WHERE r.payout_id = p.id)::int AS shares',
          ),
          trx.raw(
            "(SELECT coalesce(sum(a.amount_cents), 0) FROM revenue_adjustments a WHERE a.payout_id = p.id AND a.status = 'applied')::int AS clawbacks",
          ),
        );
      for (const payout of payouts) {
        report.completedPayouts++;
        if (payout.gross_cents !== payout.shares) {
          report.violations.push({
            rule: 'payout_gross',
            payoutId: payout.id,
            detail: `gross ${payout.gross_cents} ≠ shares in it ${payout.shares}`,
          });
        }
        if (payout.adjustments_cents !== payout.clawbacks) {
          report.violations.push({
            rule: 'payout_adjustments',
            payoutId: payout.id,
            detail: `adjustments ${payout.adjustments_cents} ≠ clawbacks applied in it ${payout.clawbacks}`,
          });
        }
      }

      report.ok = report.violations.length === 0 && report.unaccountedCents === 0;
      return report;
    },
    { isolationLevel: 'repeatable read', readOnly: true },
  );
}

function saleRows(trx: Knex.Transaction, scope: LedgerScope, after: string | null): Promise<SaleLedgerRow[]> {
  return trx('transactions as t')
    .join('courses as c', 'c.id', 't.course_id')
    .leftJoin('revenue_records as r', 'r.transaction_id', 't.id')
    .leftJoin('instructor_payouts as p', 'p.id', 'r.payout_id')
    .leftJoin('revenue_adjustments as a', 'a.revenue_record_id', 'r.id')
    .leftJoin('instructor_payouts as ap', 'ap.id', 'a.payout_id')
    .where((w) => {
      w.whereIn('t.status', ['completed', 'refunded']).orWhereNotNull('r.id');
    })
    .modify((q) => {
      if (scope.instructorIds) q.whereIn('c.instructor_id', scope.instructorIds);
      if (after) q.where('t.id', '>', after);
    })
    .orderBy('t.id')
    .limit(BATCH)
    .select<SaleLedgerRow[]>(
      't.id as transaction_id',
      't.status as tx_status',
      't.amount_net_cents as net_cents',
      'r.id as revenue_id',
      'r.instructor_id',
      'r.instructor_amount_cents as instructor_cents',
      'r.platform_amount_cents as platform_cents',
      'r.status as share_status',
      'r.payout_id',
      'p.status as payout_status',
      'a.id as adjustment_id',
      'a.amount_cents as adjustment_cents',
      'a.status as adjustment_status',
      'a.instructor_id as adjustment_instructor_id',
      'a.transaction_id as adjustment_transaction_id',
      'ap.status as adjustment_payout_status',
      trx.raw(
        "(SELECT count(*) FROM enrollments e WHERE e.transaction_id = t.id AND e.status = 'active')::int AS active_enrollments",
      ),
    );
}

/** The report as `npm run verify` prints it. */
export function formatLedgerReport(report: LedgerReport): string {
  const lines = [
    `ledger: ${report.sales} sales, instructor share ${usd(report.instructorShareCents)}`,
    ...SALE_STATUSES.map(
      (s) =>
        `  ${s.padEnd(12)} ${String(report.buckets[s].count).padStart(7)}  ${usd(report.buckets[s].cents).padStart(14)}`,
    ),
    `  ${'unaccounted'.padEnd(12)} ${''.padStart(7)}  ${usd(report.unaccountedCents).padStart(14)}`,
    `adjustments: outstanding ${report.adjustments.outstanding.count} (${usd(report.adjustments.outstanding.cents)}), applied ${report.adjustments.applied.count} (${usd(report.adjustments.applied.cents)})`,
    `completed payouts checked: ${report.completedPayouts}`,
    report.ok ? 'OK: every invariant holds' : `VIOLATIONS: ${report.violations.length}`,
    ...report.violations.map(
      (v) =>
        `  [${v.rule}] ${v.transactionId ? `transaction ${v.transactionId}` : `payout ${v.payoutId}`}: ${v.detail}`,
    ),
  ];
  return lines.join('\n');
}
