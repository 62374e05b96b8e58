import { ApplicationFailure } from '@temporalio/common';
import type { Knex } from 'knex';
import { appendAudit } from '../src/audit/log';
import { saleStatusOf, type SaleStatus } from '../src/domain/sale-status';
import type { Deps } from '../src/deps';
import type { RevenueRecordStatus } from '../src/models/RevenueRecord';
import type { DisputeClosed, DisputeOpened } from '../src/temporal/shared';

/** The share as the database has it after an escrow step; `final` once the sale is refunded (nothing left to hold). */
export interface ShareSnapshot {
  status: SaleStatus;
  final: boolean;
}

interface LockedShare {
  id: string;
  status: RevenueRecordStatus;
  payout_id: string | null;
  release_at: Date;
}

/** Locks the sale's revenue record, so a refund, a payout and an escrow step never interleave on it. */
async function lockShare(trx: Knex.Transaction, transactionId: string): Promise<LockedShare> {
  const share = await trx('revenue_records')
    .where({ transaction_id: transactionId })
    .forUpdate()
    .first<LockedShare | undefined>('id', 'status', 'payout_id', 'release_at');
  if (!share)
    throw ApplicationFailure.nonRetryable(`no revenue record for transaction ${transactionId}`, 'sale_not_found');
  return share;
}

export async function shareSnapshot(db: Knex | Knex.Transaction, transactionId: string): Promise<ShareSnapshot> {
  const row = await db('revenue_records as r')
    .join('transactions as t', 't.id', 'r.transaction_id')
    .leftJoin('revenue_adjustments as a', 'a.revenue_record_id', 'r.id')
    .where('r.transaction_id', transactionId)
    .first<{ status: RevenueRecordStatus; tx_status: string; adjustment_id: string | null } | undefined>(
      'r.status',
      't.status as tx_status',
      'a.id as adjustment_id',
    );
  if (!row)
    throw ApplicationFailure.nonRetryable(`no revenue record for transaction ${transactionId}`, 'sale_not_found');
  return {
    status: saleStatusOf({ status: row.status, hasAdjustment: row.adjustment_id !== null }),
    final: row.tx_status === 'refunded',
  };
}

/** The state a share returns to when nothing holds it any more: payable once its hold is over, else held. */
export const unheldStatus = (trx: Knex.Transaction) =>
  trx.raw("CASE WHEN release_at <= now() THEN 'payable' ELSE 'held' END::revenue_record_status");

/**
 * Escrow steps on one sale's instructor share. Each is one DB transaction on the locked revenue record and
 * moves the share only from the state the step expects, so a retried or duplicated step changes nothing.
 */
export function createEscrowActivities(deps: Deps) {
  const { knex } = deps;
  return {
    /** Where the share is now (after a refund was undone, say); changes nothing. */
    async readShare(transactionId: string): Promise<ShareSnapshot> {
      return shareSnapshot(knex, transactionId);
    },

    /** The hold is over: held → payable. A share that is frozen, cancelled or already paid stays as it is. */
    async releaseShare(transactionId: string): Promise<ShareSnapshot> {
      return knex.transaction(async (trx) => {
        const share = await lockShare(trx, transactionId);
        if (share.status === 'held') {
          await trx('revenue_records')
            .where({ id: share.id })
            .update({ status: 'payable', released_at: trx.fn.now(), updated_at: trx.fn.now() });
        }
        return shareSnapshot(trx, transactionId);
      });
    },

    /**
     * A dispute was opened: the share is frozen until it is closed. Only a share not yet in a payout can be
     * frozen; one already paid out is settled by the dispute's outcome (a lost dispute claws it back).
     */
    async freezeShare(transactionId: string, dispute: DisputeOpened): Promise<ShareSnapshot> {
      return knex.transaction(async (trx) => {
        const share = await lockShare(trx, transactionId);
        const freezable = (share.status === 'held' || share.status === 'payable') && share.payout_id === null;
        if (freezable) {
          await trx('revenue_records').where({ id: share.id }).update({ status: 'frozen', updated_at: trx.fn.now() });
        }
        await appendAudit(trx, {
          transactionId,
          action: 'dispute_opened',
          metadata: {
            disputeId: dispute.disputeId,
            stripeEventId: dispute.eventId,
            shareStatus: share.status,
            frozen: freezable,
          },
          dedupeKey: `dispute_opened:${dispute.eventId}`,
        });
        return shareSnapshot(trx, transactionId);
      });
    },

    /**
     * A dispute was closed. Won: the share is released as if there had been no dispute (payable if its hold is
     * over, else held again until it is). Lost: recorded here; the refund workflow undoes the sale.
     */
    async closeDispute(transactionId: string, dispute: DisputeClosed): Promise<ShareSnapshot> {
      return knex.transaction(async (trx) => {
        const share = await lockShare(trx, transactionId);
        if (dispute.outcome === 'won' && share.status === 'frozen') {
          await trx('revenue_records')
            .where({ id: share.id })
            .update({
              status: unheldStatus(trx),
              released_at: trx.raw('CASE WHEN release_at <= now() THEN coalesce(released_at, now()) END'),
              updated_at: trx.fn.now(),
            });
        }
        await appendAudit(trx, {
          transactionId,
          action: 'dispute_closed',
          metadata: { disputeId: dispute.disputeId, stripeEventId: dispute.eventId, outcome: dispute.outcome },
          dedupeKey: `dispute_closed:${dispute.eventId}`,
        });
        return shareSnapshot(trx, transactionId);
      });
    },
  };
}
