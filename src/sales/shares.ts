/**
 * The instructor's share of each sale (`revenue_records`) and its clawbacks (`revenue_adjustments`): the only
 * module that changes either table (DESIGN §9). Every function takes the caller's DB transaction and names
 * one transition; the tables below are the data its guard reads.
 *
 * Share (revenue record), by step:
 *
 *   step            moves a share that is                      to              leaves as it is
 *   holdShare       (a new sale)                               held
 *   releaseShare    held                                       payable         payable paid frozen cancelled
 *   freezeShare     held, payable — not in a payout            frozen          frozen paid cancelled; in a payout
 *   unfreezeShare   frozen                                     held|payable*   held payable paid cancelled
 *   cancelShare     held, payable, frozen — not in a payout    cancelled       cancelled
 *   clawBackShare   payable, paid — in a payout                (+ adjustment)  one that has its adjustment
 *   restoreShare    cancelled                                  held|payable*   held payable frozen paid
 *   attachToPayout  payable — not in a payout                  (in a payout)
 *   markPaid        payable — in the payout                    paid            paid
 *   returnToPool    payable, paid — in the payout              payable (out)
 *
 *   * held|payable: payable if its hold has ended (release_at ≤ now), else held until it has.
 *
 * Adjustment (clawback): clawBackShare creates it `outstanding`; attachToPayout puts it in a payout;
 * markPaid makes it `applied` (deducted); returnToPool makes it `outstanding` again, out of the payout;
 * restoreShare (a refund undone) deletes an `outstanding` one.
 *
 * A share in any other state is refused with a ShareTransitionError: the books say something no step of
 * §9 leads to (a bug or a manual change), which a retry will not fix. Refunds pair cancelShare/clawBackShare
 * as `cancelOrClawBack`, undone by `undoCancelOrClawBack`.
 */
import type { Knex } from 'knex';
import { saleStatusOf, type SaleStatus } from '../domain/sale-status';
import type { RevenueRecordStatus } from '../models/RevenueRecord';

type ShareStatus = RevenueRecordStatus;

interface TransitionRule {
  /** States the step moves a share from. */
  from: readonly ShareStatus[];
  /** States the step finds and leaves as they are: a repeat, or a share that is not this step's business. */
  leaves: readonly ShareStatus[];
  /** Which shares `from` means: only those in no payout (`free`), only those in one (`inPayout`), or any. */
  payout?: 'free' | 'inPayout';
  /** What a share in `from` but on the other side of `payout` means: left as it is, or refused. */
  otherwise?: 'leave';
}

export const SHARE_TRANSITIONS = {
  releaseShare: { from: ['held'], leaves: ['payable', 'paid', 'frozen', 'cancelled'] },
  freezeShare: {
    from: ['held', 'payable'],
    leaves: ['frozen', 'paid', 'cancelled'],
    payout: 'free',
    otherwise: 'leave',
  },
  unfreezeShare: { from: ['frozen'], leaves: ['held', 'payable', 'paid', 'cancelled'] },
  cancelShare: { from: ['held', 'payable', 'frozen'], leaves: ['cancelled'], payout: 'free' },
  clawBackShare: { from: ['payable', 'paid'], leaves: [], payout: 'inPayout' },
  restoreShare: { from: ['cancelled'], leaves: ['held', 'payable', 'frozen', 'paid'] },
  attachToPayout: { from: ['payable'], leaves: [], payout: 'free' },
  markPaid: { from: ['payable'], leaves: ['paid'], payout: 'inPayout' },
  returnToPool: { from: ['payable', 'paid'], leaves: [], payout: 'inPayout' },
} as const satisfies Record<string, TransitionRule>;

export type ShareTransition = keyof typeof SHARE_TRANSITIONS;

/** A transition DESIGN §9 does not allow from where the share is. Not retryable: the state will not change by itself. */
export class ShareTransitionError extends Error {
  override name = 'ShareTransitionError';
  constructor(
    readonly transition: ShareTransition,
    readonly status: ShareStatus,
    detail: string,
  ) {
    super(`${transition} refused: ${detail} is ${status}`);
  }
}

/** The sale has no revenue record (no completed sale by that id). */
export class ShareNotFoundError extends Error {
  override name = 'ShareNotFoundError';
}

/** What the guard decides for one share; throws when the transition is not allowed. */
function decide(transition: ShareTransition, share: { id: string; status: ShareStatus; payoutId: string | null }) {
  const rule: TransitionRule = SHARE_TRANSITIONS[transition];
  const inPayout = share.payoutId !== null;
  const payoutFits = rule.payout === undefined || (rule.payout === 'inPayout') === inPayout;
  if (rule.from.includes(share.status) && payoutFits) return 'move';
  if (rule.leaves.includes(share.status) || (rule.from.includes(share.status) && rule.otherwise === 'leave'))
    return 'leave';
  throw new ShareTransitionError(transition, share.status, `share ${share.id}${inPayout ? ' (in a payout)' : ''}`);
}

export interface LockedShare {
  id: string;
  status: ShareStatus;
  payoutId: string | null;
  instructorId: string;
  instructorCents: number;
  /** The share's clawback, if it has one. */
  adjustmentId: string | null;
}

/** Locks the sale's revenue record, so a refund, a payout and an escrow step never interleave on it. */
export async function lockShare(trx: Knex.Transaction, transactionId: string): Promise<LockedShare> {
  const share = await trx('revenue_records as r')
    .leftJoin('revenue_adjustments as a', 'a.revenue_record_id', 'r.id')
    .where('r.transaction_id', transactionId)
    .forUpdate('r')
    .first<LockedShare | undefined>(
      'r.id',
      'r.status',
      'r.payout_id as payoutId',
      'r.instructor_id as instructorId',
      'r.instructor_amount_cents as instructorCents',
      'a.id as adjustmentId',
    );
  if (!share) throw new ShareNotFoundError(`no revenue record for transaction ${transactionId}`);
  return share;
}

/** The share as the database has it after an escrow step; `final` once the sale is refunded (nothing left to hold). */
export interface ShareSnapshot {
  status: SaleStatus;
  final: boolean;
}

export async function readShare(db: Knex | Knex.Transaction, transactionId: string): Promise<ShareSnapshot> {
  const row = await db('revenue_records as r')
    .join('transactions as t', 't.id', 'r.transaction_id')
    .leftJoin('revenue_adjustments as a', 'a.revenue_record_id', 'r.id')
    .where('r.transaction_id', transactionId)
    .first<{ status: ShareStatus; tx_status: string; adjustment_id: string | null } | undefined>(
      'r.status',
      't.status as tx_status',
      'a.id as adjustment_id',
    );
  if (!row) throw new ShareNotFoundError(`no revenue record for transaction ${transactionId}`);
  return {
    status: saleStatusOf({ status: row.status, hasAdjustment: row.adjustment_id !== null }),
    final: row.tx_status === 'refunded',
  };
}

/** held|payable in the table: the state a share returns to when nothing holds it any more. */
function unheld(trx: Knex.Transaction) {
  return {
    status: trx.raw("CASE WHEN release_at <= now() THEN 'payable' ELSE 'held' END::revenue_record_status"),
    released_at: trx.raw('CASE WHEN release_at <= now() THEN coalesce(released_at, now()) END'),
  };
}

/** A completed sale's share, held until `releaseAt` (the escrow workflow releases it then). */
export async function holdShare(
  trx: Knex.Transaction,
  share: {
    transactionId: string;
    instructorId: string;
    instructorCents: number;
    platformCents: number;
    releaseAt: Date;
  },
): Promise<{ id: string }> {
  const [row] = await trx('revenue_records')
    .insert({
      transaction_id: share.transactionId,
      instructor_id: share.instructorId,
      instructor_amount_cents: share.instructorCents,
      platform_amount_cents: share.platformCents,
      status: 'held',
      release_at: share.releaseAt,
    })
    .returning<{ id: string }[]>('id');
  return row;
}

/** What a step on one share found, and whether it moved it. */
export interface ShareStep {
  id: string;
  before: ShareStatus;
  moved: boolean;
}

async function step(
  trx: Knex.Transaction,
  transactionId: string,
  transition: ShareTransition,
  change: (trx: Knex.Transaction) => Record<string, unknown>,
): Promise<ShareStep> {
  const share = await lockShare(trx, transactionId);
  const moved = decide(transition, share) === 'move';
  if (moved)
    await trx('revenue_records')
      .where({ id: share.id })
      .update({ ...change(trx), updated_at: trx.fn.now() });
  return { id: share.id, before: share.status, moved };
}

/** The hold has ended: held → payable. */
export function releaseShare(trx: Knex.Transaction, transactionId: string): Promise<ShareStep> {
  return step(trx, transactionId, 'releaseShare', (t) => ({ status: 'payable', released_at: t.fn.now() }));
}

/** A dispute was opened. A share already in a payout is settled by the dispute's outcome instead. */
export function freezeShare(trx: Knex.Transaction, transactionId: string): Promise<ShareStep> {
  return step(trx, transactionId, 'freezeShare', () => ({ status: 'frozen' }));
}

/** A dispute was won: back where the hold stands. */
export function unfreezeShare(trx: Knex.Transaction, transactionId: string): Promise<ShareStep> {
  return step(trx, transactionId, 'unfreezeShare', unheld);
}

/**
 * A refund takes the share back: cancelled while it is in no payout; otherwise (paid out, or in a payout
 * under way) an outstanding clawback adjustment that the next payout deducts. Repeating it changes nothing.
 */
export async function cancelOrClawBack(
  trx: Knex.Transaction,
  transactionId: string,
  reason: string,
): Promise<'cancelled' | 'clawed_back'> {
  const share = await lockShare(trx, transactionId);
  if (share.adjustmentId !== null) return 'clawed_back';
  if (share.payoutId === null) {
    if (decide('cancelShare', share) === 'move') {
      await trx('revenue_records')
        .where({ id: share.id })
        .update({ status: 'cancelled', cancelled_at: trx.fn.now(), updated_at: trx.fn.now() });
    }
    return 'cancelled';
  }
  decide('clawBackShare', share);
  await trx('revenue_adjustments').insert({
    instructor_id: share.instructorId,
    revenue_record_id: share.id,
    transaction_id: transactionId,
    amount_cents: share.instructorCents,
    status: 'outstanding',
    reason,
  });
  return 'clawed_back';
}

/**
 * Compensation of `cancelOrClawBack` (the refund failed): a cancelled share is held or payable again by its
 * release date, an outstanding clawback is withdrawn. Safe whatever `cancelOrClawBack` got to, any number of times.
 */
export async function undoCancelOrClawBack(trx: Knex.Transaction, transactionId: string): Promise<void> {
  const { id } = await step(trx, transactionId, 'restoreShare', (t) => ({ ...unheld(t), cancelled_at: null }));
  await trx('revenue_adjustments').where({ revenue_record_id: id, status: 'outstanding' }).delete();
}

/** An instructor's shares and clawbacks not in any payout, locked: what a payout would be made of. */
export async function lockUnpaidBalance(
  trx: Knex.Transaction,
  instructorId: string,
): Promise<{ shares: { id: string; cents: number }[]; adjustments: { id: string; cents: number }[] }> {
  const shares = await trx('revenue_records')
    .where({ instructor_id: instructorId, status: 'payable' })
    .whereNull('payout_id')
    .forUpdate()
    .select<{ id: string; cents: number }[]>('id', 'instructor_amount_cents as cents');
  const adjustments = await trx('revenue_adjustments')
    .where({ instructor_id: instructorId, status: 'outstanding' })
    .whereNull('payout_id')
    .forUpdate()
    .select<{ id: string; cents: number }[]>('id', 'amount_cents as cents');
  return { shares, adjustments };
}

/** Puts the locked shares and clawbacks (from `lockUnpaidBalance`) in the payout. */
export async function attachToPayout(
  trx: Knex.Transaction,
  payoutId: string,
  parts: { shareIds: string[]; adjustmentIds: string[] },
): Promise<void> {
  const rule = SHARE_TRANSITIONS.attachToPayout;
  const attached = await trx('revenue_records')
    .whereRaw('id = any(?::uuid[])', [parts.shareIds])
    .whereIn('status', [...rule.from])
    .whereNull('payout_id')
    .update({ payout_id: payoutId, updated_at: trx.fn.now() });
  if (attached !== parts.shareIds.length) {
    // Unreachable while callers pass what lockUnpaidBalance locked; the guard names the share that did not fit.
    const stray = await trx('revenue_records')
      .whereRaw('id = any(?::uuid[])', [parts.shareIds])
      .whereRaw('payout_id IS DISTINCT FROM ?', [payoutId])
      .first<{ id: string; status: ShareStatus; payoutId: string | null } | undefined>(
        'id',
        'status',
        'payout_id as payoutId',
      );
    if (stray) decide('attachToPayout', stray);
    throw new ShareNotFoundError(`attachToPayout: ${parts.shareIds.length - attached} of the shares do not exist`);
  }
  if (parts.adjustmentIds.length > 0) {
    await trx('revenue_adjustments')
      .whereRaw('id = any(?::uuid[])', [parts.adjustmentIds])
      .update({ payout_id: payoutId });
  }
}

/** Refuses a set-based step when a share of the payout is in a state the step neither moves nor leaves. */
async function guardPayoutShares(trx: Knex.Transaction, payoutId: string, transition: ShareTransition) {
  const rule: TransitionRule = SHARE_TRANSITIONS[transition];
  const stray = await trx('revenue_records')
    .where({ payout_id: payoutId })
    .whereNotIn('status', [...rule.from, ...rule.leaves])
    .first<{ id: string; status: ShareStatus } | undefined>('id', 'status');
  if (stray) decide(transition, { ...stray, payoutId });
}

/** The payout's transfer went through: its shares `paid`, its clawbacks `applied`. Returns the shares paid. */
export async function markPaid(trx: Knex.Transaction, payoutId: string): Promise<number> {
  await guardPayoutShares(trx, payoutId, 'markPaid');
  const paid = await trx('revenue_records')
    .where({ payout_id: payoutId })
    .whereIn('status', [...SHARE_TRANSITIONS.markPaid.from])
    .update({ status: 'paid', updated_at: trx.fn.now() });
  await trx('revenue_adjustments')
    .where({ payout_id: payoutId, status: 'outstanding' })
    .update({ status: 'applied', applied_at: trx.fn.now() });
  return paid;
}

/** The payout failed or its transfer was reversed: its shares and clawbacks wait for a later payout. */
export async function returnToPool(trx: Knex.Transaction, payoutId: string): Promise<void> {
  await guardPayoutShares(trx, payoutId, 'returnToPool');
  await trx('revenue_records')
    .where({ payout_id: payoutId })
    .whereIn('status', [...SHARE_TRANSITIONS.returnToPool.from])
    .update({ status: 'payable', payout_id: null, updated_at: trx.fn.now() });
  await trx('revenue_adjustments')
    .where({ payout_id: payoutId })
    .update({ status: 'outstanding', payout_id: null, applied_at: null });
}
