/**
 * An instructor's earnings as the ledger records them (spec MKT-019). Every figure is a sum over revenue
 * records, adjustments and payouts in integer cents, and they add up:
 *   totalRevenue = inEscrow + disputed + available + inTransit + lifetimePayouts
 * where available is the payable balance of DESIGN §9 (payable shares not in a payout − outstanding
 * adjustments), inTransit the payouts being transferred and lifetimePayouts the completed ones.
 */
import type { Knex } from 'knex';
import { isPayoutDue, payableBalance } from '../domain/money';
import type { PayoutStatus } from '../models/InstructorPayout';

export interface EarningsSummary {
  totalRevenueCents: number;
  inEscrowCents: number;
  disputedCents: number;
  availableCents: number;
  inTransitCents: number;
  lifetimePayoutsCents: number;
  /** Everything earned and not paid out yet: escrow + disputed + available + in transit. */
  pendingPayoutCents: number;
  payableSharesCents: number;
  outstandingAdjustmentsCents: number;
  /** Whether the available balance would be paid by the next monthly run. */
  dueNextRun: boolean;
  sales: number;
  refunds: number;
  payouts: number;
}

export async function earningsSummary(knex: Knex, instructorId: string): Promise<EarningsSummary> {
  const shares = await knex('revenue_records')
    .where({ instructor_id: instructorId })
    .first<Record<string, number>>(
      knex.raw(`coalesce(sum(instructor_amount_cents) FILTER (WHERE status <> 'cancelled'), 0) AS earned`),
      knex.raw(`coalesce(sum(instructor_amount_cents) FILTER (WHERE status = 'held'), 0) AS held`),
      knex.raw(`coalesce(sum(instructor_amount_cents) FILTER (WHERE status = 'frozen'), 0) AS frozen`),
      knex.raw(
        `coalesce(sum(instructor_amount_cents) FILTER (WHERE status = 'payable' AND payout_id IS NULL), 0) AS payable`,
      ),
      knex.raw(`count(*) FILTER (WHERE status <> 'cancelled') AS sales`),
      knex.raw(`count(*) FILTER (WHERE status = 'cancelled') AS cancelled`),
    );
  const adjustments = await knex('revenue_adjustments')
    .where({ instructor_id: instructorId })
    .first<Record<string, number>>(
      knex.raw('coalesce(sum(amount_cents), 0) AS clawed_back'),
      knex.raw(
        `coalesce(sum(amount_cents) FILTER (WHERE status = 'outstanding' AND payout_id IS NULL), 0) AS outstanding`,
      ),
      knex.raw('count(*) AS refunds_after_payout'),
    );
  const payouts = await knex('instructor_payouts')
    .where({ instructor_id: instructorId })
    .first<Record<string, number>>(
      knex.raw(`coalesce(sum(total_amount_cents) FILTER (WHERE status IN ('pending', 'processing')), 0) AS in_transit`),
      knex.raw(`coalesce(sum(total_amount_cents) FILTER (WHERE status = 'completed'), 0) AS completed`),
      knex.raw(`count(*) FILTER (WHERE status = 'completed') AS completed_count`),
    );
  const availableCents = payableBalance([shares.payable], [adjustments.outstanding]);
  const inEscrowCents = shares.held;
  const pendingPayoutCents = inEscrowCents + shares.frozen + availableCents + payouts.in_transit;
  return {
    totalRevenueCents: shares.earned - adjustments.clawed_back,
    inEscrowCents,
    disputedCents: shares.frozen,
    availableCents,
    inTransitCents: payouts.in_transit,
    lifetimePayoutsCents: payouts.completed,
    pendingPayoutCents,
    payableSharesCents: shares.payable,
    outstandingAdjustmentsCents: adjustments.outstanding,
    dueNextRun: isPayoutDue(availableCents),
    sales: shares.sales,
    refunds: shares.cancelled + adjustments.refunds_after_payout,
    payouts: payouts.completed_count,
  };
}

export interface CourseEarnings {
  courseId: string;
  title: string;
  status: string;
  sales: number;
  refunds: number;
  revenueCents: number;
  enrollmentCount: number;
  ratingAverage: number;
  ratingCount: number;
}

/** Every course of the instructor (sold or not), best-earning first. */
export async function earningsByCourse(knex: Knex, instructorId: string): Promise<CourseEarnings[]> {
  const { rows } = await knex.raw<{ rows: Record<string, string | number>[] }>(
    `SELECT c.id, c.title, c.status, c.rating_average::float8 AS rating_average, c.rating_count,
            coalesce(s.sales, 0) AS sales, coalesce(s.cancelled, 0) + coalesce(a.count, 0) AS refunds,
            coalesce(s.earned, 0) - coalesce(a.cents, 0) AS revenue_cents,
            (SELECT count(*) FROM enrollments e WHERE e.course_id = c.id AND e.status = 'active') AS enrollment_count
     FROM courses c
     LEFT JOIN (SELECT t.course_id,
                       count(*) FILTER (WHERE r.status <> 'cancelled') AS sales,
                       count(*) FILTER (WHERE r.status = 'cancelled') AS cancelled,
                       sum(r.instructor_amount_cents) FILTER (WHERE r.status <> 'cancelled') AS earned
                FROM revenue_records r JOIN transactions t ON t.id = r.transaction_id
                WHERE r.instructor_id = :instructorId GROUP BY t.course_id) s ON s.course_id = c.id
     LEFT JOIN (SELECT t.course_id, count(*) AS count, sum(ra.amount_cents) AS cents
                FROM revenue_adjustments ra JOIN transactions t ON t.id = ra.transaction_id
                WHERE ra.instructor_id = :instructorId GROUP BY t.course_id) a ON a.course_id = c.id
     WHERE c.instructor_id = :instructorId
     ORDER BY revenue_cents DESC, c.title, c.id`,
    { instructorId },
  );
  return rows.map((r) => ({
    courseId: String(r.id),
    title: String(r.title),
    status: String(r.status),
    sales: Number(r.sales),
    refunds: Number(r.refunds),
    revenueCents: Number(r.revenue_cents),
    enrollmentCount: Number(r.enrollment_count),
    ratingAverage: Number(r.rating_average),
    ratingCount: Number(r.rating_count),
  }));
}

export interface PayoutHistoryItem {
  id: string;
  period: string;
  status: PayoutStatus;
  totalCents: number;
  grossCents: number;
  adjustmentsCents: number;
  stripeTransferId: string | null;
  initiatedAt: Date | null;
  completedAt: Date | null;
  failureReason: string | null;
}

export async function payoutHistory(
  knex: Knex,
  instructorId: string,
  page: { limit: number; offset: number },
): Promise<{ items: PayoutHistoryItem[]; total: number }> {
  const [{ total }] = await knex('instructor_payouts')
    .where({ instructor_id: instructorId })
    .count<{ total: number }[]>('* as total');
  const rows = await knex('instructor_payouts')
    .where({ instructor_id: instructorId })
    .orderBy('payout_period', 'desc')
    .limit(page.limit)
    .offset(page.offset)
    .select('*');
  return {
    total,
    items: rows.map((p) => ({
      id: p.id,
      period: p.payout_period,
      status: p.status,
      totalCents: p.total_amount_cents,
      grossCents: p.gross_cents,
      adjustmentsCents: p.adjustments_cents,
      stripeTransferId: p.stripe_transfer_id,
      initiatedAt: p.initiated_at,
      completedAt: p.completed_at,
      failureReason: p.failure_reason,
    })),
  };
}

export interface PendingShare {
  revenueRecordId: string;
  transactionId: string;
  courseId: string;
  courseTitle: string;
  amountCents: number;
  status: 'held' | 'frozen' | 'payable';
  purchasedAt: Date;
  releaseAt: Date;
  releasedAt: Date | null;
  /** Set while the share is in a payout being transferred. */
  payoutId: string | null;
}

/** Shares earned and not paid out yet (in escrow, disputed, payable), soonest release first. */
export async function pendingShares(
  knex: Knex,
  instructorId: string,
  page: { limit: number; offset: number },
): Promise<{ items: PendingShare[]; total: number }> {
  const base = () =>
    knex('revenue_records as r')
      .where('r.instructor_id', instructorId)
      .whereIn('r.status', ['held', 'frozen', 'payable']);
  const [{ total }] = await base().count<{ total: number }[]>('* as total');
  const rows = await base()
    .join('transactions as t', 't.id', 'r.transaction_id')
    .join('courses as c', 'c.id', 't.course_id')
    .orderBy([
      { column: 'r.release_at', order: 'asc' },
      { column: 'r.id', order: 'asc' },
    ])
    .limit(page.limit)
    .offset(page.offset)
    .select(
      'r.id',
      'r.transaction_id',
      'r.instructor_amount_cents',
      'r.status',
      'r.release_at',
      'r.released_at',
      'r.payout_id',
      't.completed_at',
      'c.id as course_id',
      'c.title',
    );
  return {
    total,
    items: rows.map((r) => ({
      revenueRecordId: r.id,
      transactionId: r.transaction_id,
      courseId: r.course_id,
      courseTitle: r.title,
      amountCents: r.instructor_amount_cents,
      status: r.status,
      purchasedAt: r.completed_at,
      releaseAt: r.release_at,
      releasedAt: r.released_at,
      payoutId: r.payout_id,
    })),
  };
}
