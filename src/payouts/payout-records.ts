// Over 350 lines on purpose: every database step of a payout's life in one place, so the state machine reads top to bottom.
/**
 * Payout records (`instructor_payouts`): every database change of a payout's life (DESIGN §3, §9), each in
 * one transaction and each safe to repeat (activities retry, webhooks are redelivered). What happens to the
 * shares and adjustments in it is a transition of src/sales/shares.ts (attachToPayout, markPaid, returnToPool).
 *
 *   payable shares + outstanding adjustments ──prepare──▶ payout `processing` (shares and adjustments attached)
 *   ──complete──▶ `completed` (shares `paid`, adjustments `applied`)
 *   ──fail / transfer reversed──▶ `failed` (shares and adjustments detached again: a later month pays them)
 *
 * The balance rule itself (`payableBalance`, `isPayoutDue`) lives in src/domain/money.ts; SQL here only
 * gathers the numbers it is applied to.
 */
import type { Knex } from 'knex';
import { appendAudit } from '../audit/log';
import { enqueueNotification } from '../notifications/outbox';
import { formatUsd, isPayoutDue, payableBalance, PAYOUT_MINIMUM_CENTS, sumCents } from '../domain/money';
import { payPeriodBounds, type PayPeriod } from '../domain/time';
import { attachToPayout, lockUnpaidBalance, markPaid, returnToPool } from '../sales/shares';

/** A payout in a state the requested step cannot follow (a bug or a manual change, not a transient error). */
export class PayoutStateError extends Error {
  override name = 'PayoutStateError';
}

const FIRST_UUID = '00000000-0000-0000-0000-000000000000';

export interface DueInstructor {
  instructorId: string;
  balanceCents: number;
}

export interface DueInstructorsPage {
  instructors: DueInstructor[];
  /** Cursor for the next page (the last instructor looked at), or null when there is nothing after this page. */
  nextCursor: string | null;
}

/**
 * One page (keyset by instructor id) of instructors whose payable balance is due. Instructors whose payable
 * shares alone are under the minimum cannot be due (adjustments only deduct), so SQL skips them; the rule
 * decides for the rest.
 */
export async function findDueInstructors(
  knex: Knex,
  opts: { after: string | null; limit: number },
): Promise<DueInstructorsPage> {
  const rows: { instructor_id: string; payable_cents: number; adjustment_cents: number }[] = (
    await knex.raw(
      `WITH candidates AS (
         SELECT r.instructor_id, sum(r.instructor_amount_cents) AS payable_cents
         FROM revenue_records r
         WHERE r.status = 'payable' AND r.payout_id IS NULL AND r.instructor_id > ?
         GROUP BY r.instructor_id
         HAVING sum(r.instructor_amount_cents) >= ?
         ORDER BY r.instructor_id
         LIMIT ?
       )
       SELECT c.instructor_id, c.payable_cents, coalesce(sum(a.amount_cents), 0) AS adjustment_cents
       FROM candidates c
       LEFT JOIN revenue_adjustments a
         ON a.instructor_id = c.instructor_id AND a.status = 'outstanding' AND a.payout_id IS NULL
       GROUP BY c.instructor_id, c.payable_cents
       ORDER BY c.instructor_id`,
      [opts.after ?? FIRST_UUID, PAYOUT_MINIMUM_CENTS, opts.limit],
    )
  ).rows;
  const instructors = rows
    .map((r) => ({
      instructorId: r.instructor_id,
      balanceCents: payableBalance([r.payable_cents], [r.adjustment_cents]),
    }))
    .filter((i) => isPayoutDue(i.balanceCents));
  return { instructors, nextCursor: rows.length === opts.limit ? rows[rows.length - 1].instructor_id : null };
}

export type PreparedPayout =
  /** A payout row in `processing`: send its transfer. `resumed` = it existed already (a crash, a rerun). */
  | { kind: 'ready'; payoutId: string; totalCents: number; destination: string; resumed: boolean }
  /** The period's payout exists and is finished. */
  | { kind: 'closed'; payoutId: string; status: 'completed' | 'failed'; totalCents: number }
  | { kind: 'not_due'; balanceCents: number }
  | { kind: 'connect_required'; balanceCents: number };

interface PayoutRow {
  id: string;
  instructor_id: string;
  payout_period: string;
  status: 'pending' | 'processing' | 'completed' | 'failed';
  gross_cents: number;
  adjustments_cents: number;
  total_amount_cents: number;
  stripe_destination_account: string | null;
  stripe_transfer_id: string | null;
}

function periodLabel(period: PayPeriod): string {
  return payPeriodBounds(period).start.toLocaleString('en-US', { month: 'long', year: 'numeric', timeZone: 'UTC' });
}

/**
 * Creates the instructor's payout for the period in one transaction — the row (unique per instructor and
 * period), its payable shares and outstanding adjustments attached, `payout_initiated` audited — or says why
 * there is none. Repeating it returns the existing payout. The instructor row is locked first, so payouts of
 * one instructor (two periods run at once) never attach the same share twice.
 */
export async function preparePayout(
  knex: Knex,
  input: { instructorId: string; period: PayPeriod },
): Promise<PreparedPayout> {
  return knex.transaction(async (trx) => {
    const instructor = await trx('users')
      .where({ id: input.instructorId })
      .forNoKeyUpdate()
      .first<{ id: string; stripe_connect_account_id: string | null; connect_transfers_enabled: boolean } | undefined>(
        'id',
        'stripe_connect_account_id',
        'connect_transfers_enabled',
      );
    if (!instructor) throw new PayoutStateError(`instructor ${input.instructorId} does not exist`);

    const existing = await trx<PayoutRow>('instructor_payouts')
      .where({ instructor_id: input.instructorId, payout_period: input.period })
      .first();
    if (existing) {
      if (existing.status === 'completed' || existing.status === 'failed') {
        return {
          kind: 'closed',
          payoutId: existing.id,
          status: existing.status,
          totalCents: existing.total_amount_cents,
        };
      }
      if (!existing.stripe_destination_account)
        throw new PayoutStateError(`payout ${existing.id} has no destination account`);
      return {
        kind: 'ready',
        payoutId: existing.id,
        totalCents: existing.total_amount_cents,
        destination: existing.stripe_destination_account,
        resumed: true,
      };
    }

    const { shares, adjustments } = await lockUnpaidBalance(trx, input.instructorId);
    const shareCents = shares.map((s) => s.cents);
    const adjustmentCents = adjustments.map((a) => a.cents);
    const balanceCents = payableBalance(shareCents, adjustmentCents);
    if (!isPayoutDue(balanceCents)) return { kind: 'not_due', balanceCents };

    if (!instructor.stripe_connect_account_id || !instructor.connect_transfers_enabled) {
      await notify(
        trx,
        input.instructorId,
        'payout_connect_required',
        `payout-connect-required:${input.instructorId}:${input.period}`,
        {
          subject: `Set up payouts to receive ${formatUsd(balanceCents)}`,
          period: input.period,
          balanceCents,
          balance: formatUsd(balanceCents),
          detail: `Your earnings for ${periodLabel(input.period)} are ready, but your Stripe account cannot receive transfers yet. Finish payout setup and they will be paid in the next monthly run.`,
        },
      );
      return { kind: 'connect_required', balanceCents };
    }

    const grossCents = sumCents(shareCents);
    const adjustmentsCents = grossCents - balanceCents;
    const [payout] = await trx('instructor_payouts')
      .insert({
        instructor_id: input.instructorId,
        payout_period: input.period,
        gross_cents: grossCents,
        adjustments_cents: adjustmentsCents,
        total_amount_cents: balanceCents,
        stripe_destination_account: instructor.stripe_connect_account_id,
        status: 'processing',
        initiated_at: trx.fn.now(),
      })
      .returning<{ id: string }[]>('id');
    await attachToPayout(trx, payout.id, {
      shareIds: shares.map((s) => s.id),
      adjustmentIds: adjustments.map((a) => a.id),
    });
    await audit(trx, payout.id, 'payout_initiated', {
      instructorId: input.instructorId,
      period: input.period,
      grossCents,
      adjustmentsCents,
      totalCents: balanceCents,
      shares: shares.length,
      adjustments: adjustments.length,
      destination: instructor.stripe_connect_account_id,
    });
    return {
      kind: 'ready',
      payoutId: payout.id,
      totalCents: balanceCents,
      destination: instructor.stripe_connect_account_id,
      resumed: false,
    };
  });
}

/**
 * The transfer went through: payout `completed`, its shares `paid`, its adjustments `applied`, audited, and
 * the instructor told the amount with its breakdown. Repeating it changes nothing.
 */
export async function completePayout(
  knex: Knex,
  input: { payoutId: string; transferId: string },
): Promise<{ completed: boolean }> {
  return knex.transaction(async (trx) => {
    const payout = await lockPayout(trx, input.payoutId);
    if (payout.status === 'completed') return { completed: false };
    if (payout.status !== 'processing')
      throw new PayoutStateError(`payout ${payout.id} is ${payout.status}, not processing`);

    await trx('instructor_payouts').where({ id: payout.id }).update({
      status: 'completed',
      stripe_transfer_id: input.transferId,
      completed_at: trx.fn.now(),
      updated_at: trx.fn.now(),
    });
    const paid = await markPaid(trx, payout.id);
    await audit(trx, payout.id, 'payout_completed', {
      instructorId: payout.instructor_id,
      period: payout.payout_period,
      totalCents: payout.total_amount_cents,
      transferId: input.transferId,
      destination: payout.stripe_destination_account,
    });

    const courses = await trx('revenue_records as r')
      .join('transactions as t', 't.id', 'r.transaction_id')
      .join('courses as c', 'c.id', 't.course_id')
      .where('r.payout_id', payout.id)
      .groupBy('c.id', 'c.title')
      .orderByRaw('sum(r.instructor_amount_cents) desc, c.title')
      .limit(50)
      .select<{ course_id: string; title: string; sales: number; cents: number }[]>(
        'c.id as course_id',
        'c.title',
        trx.raw('count(*)::int as sales'),
        trx.raw('sum(r.instructor_amount_cents) as cents'),
      );
    await notify(trx, payout.instructor_id, 'payout_completed', `payout-completed:${payout.id}`, {
      subject: `Your ${periodLabel(payout.payout_period)} payout of ${formatUsd(payout.total_amount_cents)} is on its way`,
      payoutId: payout.id,
      period: payout.payout_period,
      amountCents: payout.total_amount_cents,
      amount: formatUsd(payout.total_amount_cents),
      breakdown: {
        salesCents: payout.gross_cents,
        sales: formatUsd(payout.gross_cents),
        salesCount: paid,
        refundDeductionsCents: payout.adjustments_cents,
        refundDeductions: formatUsd(payout.adjustments_cents),
        courses: courses.map((c) => ({
          courseId: c.course_id,
          title: c.title,
          sales: c.sales,
          amountCents: c.cents,
          amount: formatUsd(c.cents),
        })),
      },
      transferId: input.transferId,
    });
    return { completed: true };
  });
}

/**
 * Stripe refused the transfer: payout `failed` with the reason; its shares and adjustments are detached so
 * a later month pays them. Only a `processing` payout fails this way; repeating it changes nothing.
 */
export async function failPayout(
  knex: Knex,
  input: { payoutId: string; reason: string },
): Promise<{ failed: boolean }> {
  return knex.transaction(async (trx) => {
    const payout = await lockPayout(trx, input.payoutId);
    if (payout.status === 'failed') return { failed: false };
    if (payout.status !== 'processing')
      throw new PayoutStateError(`payout ${payout.id} is ${payout.status}, not processing`);
    await releasePayout(trx, payout, input.reason);
    return { failed: true };
  });
}

/**
 * A completed payout's transfer was reversed in full: the money is back with the platform, so the payout is
 * `failed` and its shares and adjustments return to the pool for a later month. Returns false when there is
 * nothing to do (already released).
 */
export async function releaseReversedPayout(
  knex: Knex,
  payoutId: string,
  reason: string,
): Promise<{ released: boolean }> {
  return knex.transaction(async (trx) => {
    const payout = await lockPayout(trx, payoutId);
    if (payout.status === 'failed') return { released: false };
    if (payout.status !== 'completed') {
      // The workflow has not recorded the transfer yet; the webhook is redelivered until it has.
      throw new PayoutStateError(
        `payout ${payout.id} is ${payout.status}; its transfer reversal is handled once it is completed`,
      );
    }
    await releasePayout(trx, payout, reason);
    return { released: true };
  });
}

async function lockPayout(trx: Knex.Transaction, payoutId: string): Promise<PayoutRow> {
  const payout = await trx<PayoutRow>('instructor_payouts').where({ id: payoutId }).forUpdate().first();
  if (!payout) throw new PayoutStateError(`payout ${payoutId} does not exist`);
  return payout;
}

async function releasePayout(trx: Knex.Transaction, payout: PayoutRow, reason: string): Promise<void> {
  await trx('instructor_payouts')
    .where({ id: payout.id })
    .update({ status: 'failed', failure_reason: reason, updated_at: trx.fn.now() });
  await returnToPool(trx, payout.id);
  await audit(trx, payout.id, 'payout_failed', {
    instructorId: payout.instructor_id,
    period: payout.payout_period,
    totalCents: payout.total_amount_cents,
    previousStatus: payout.status,
    transferId: payout.stripe_transfer_id,
    reason,
  });
  await notify(trx, payout.instructor_id, 'payout_failed', `payout-failed:${payout.id}`, {
    subject: `Your ${periodLabel(payout.payout_period)} payout of ${formatUsd(payout.total_amount_cents)} could not be made`,
    payoutId: payout.id,
    period: payout.payout_period,
    amountCents: payout.total_amount_cents,
    amount: formatUsd(payout.total_amount_cents),
    reason,
    detail: 'Nothing is lost: these earnings stay in your balance and are paid in a later monthly run.',
  });
}

/** Each step writes its entry once by construction (the payout's status guards the transaction it is in). */
async function audit(
  trx: Knex.Transaction,
  payoutId: string,
  action: 'payout_initiated' | 'payout_completed' | 'payout_failed',
  metadata: Record<string, unknown>,
): Promise<void> {
  await appendAudit(trx, { action, payoutId, actorId: null, metadata });
}

async function notify(
  trx: Knex.Transaction,
  userId: string,
  kind: string,
  dedupeKey: string,
  payload: Record<string, unknown>,
): Promise<void> {
  await enqueueNotification(trx, { userId, kind, dedupeKey, payload });
}
