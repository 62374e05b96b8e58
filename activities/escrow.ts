import type { Deps } from '../src/deps';
import { appendAudit } from '../src/audit/log';
import {
  freezeShare,
  lockShare,
  readShare,
  releaseShare,
  unfreezeShare,
  type ShareSnapshot,
} from '../src/sales/shares';
import type { DisputeClosed, DisputeOpened } from '../src/temporal/contracts/escrow';
import { nonRetryableOnDomainError } from './domain-failures';

export type { ShareSnapshot } from '../src/sales/shares';

/**
 * Escrow steps on one sale's instructor share (transitions of src/sales/shares.ts). Each is one DB transaction
 * on the locked revenue record and moves the share only from the state the step expects, so a retried or
 * duplicated step changes nothing.
 */
export function createEscrowActivities(deps: Deps) {
  const { knex } = deps;
  return {
    /** Where the share is now (after a refund was undone, say); changes nothing. */
    async readShare(transactionId: string): Promise<ShareSnapshot> {
      return nonRetryableOnDomainError(() => readShare(knex, transactionId));
    },

    /** The hold has ended: held → payable. A share that is frozen, cancelled or already paid stays as it is. */
    async releaseShare(transactionId: string): Promise<ShareSnapshot> {
      return nonRetryableOnDomainError(() =>
        knex.transaction(async (trx) => {
          await releaseShare(trx, transactionId);
          return readShare(trx, transactionId);
        }),
      );
    },

    /**
     * A dispute was opened: the share is frozen until it is closed. Only a share not yet in a payout can be
     * frozen; one already paid out is settled by the dispute's outcome (a lost dispute claws it back).
     */
    async freezeShare(transactionId: string, dispute: DisputeOpened): Promise<ShareSnapshot> {
      return nonRetryableOnDomainError(() =>
        knex.transaction(async (trx) => {
          const frozen = await freezeShare(trx, transactionId);
          await appendAudit(trx, {
            transactionId,
            action: 'dispute_opened',
            metadata: {
              disputeId: dispute.disputeId,
              stripeEventId: dispute.eventId,
              shareStatus: frozen.before,
              frozen: frozen.moved,
            },
            dedupeKey: `dispute_opened:${dispute.eventId}`,
          });
          return readShare(trx, transactionId);
        }),
      );
    },

    /**
     * A dispute was closed. Won: the share is released as if there had been no dispute (payable if its hold has
     * ended, else held again until it has). Lost: recorded here; the refund workflow undoes the sale.
     */
    async closeDispute(transactionId: string, dispute: DisputeClosed): Promise<ShareSnapshot> {
      return nonRetryableOnDomainError(() =>
        knex.transaction(async (trx) => {
          if (dispute.outcome === 'won') await unfreezeShare(trx, transactionId);
          else await lockShare(trx, transactionId); // locked all the same: steps on one share never interleave
          await appendAudit(trx, {
            transactionId,
            action: 'dispute_closed',
            metadata: { disputeId: dispute.disputeId, stripeEventId: dispute.eventId, outcome: dispute.outcome },
            dedupeKey: `dispute_closed:${dispute.eventId}`,
          });
          return readShare(trx, transactionId);
        }),
      );
    },
  };
}
