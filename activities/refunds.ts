import { ApplicationFailure } from '@temporalio/common';
import type { Knex } from 'knex';
import { appendAudit } from '../src/audit/log';
import { refundRefusals } from '../src/domain/refunds';
import type { Deps } from '../src/deps';
import { enqueueNotification } from '../src/notifications/outbox';
import type { RevenueRecordStatus } from '../src/models/RevenueRecord';
import { cancelOrClawBack, undoCancelOrClawBack } from '../src/sales/shares';
import type { SaleRefunded } from '../src/temporal/contracts/escrow';
import type { RefundFailureCode, RefundResult, RefundSource } from '../src/temporal/contracts/refund';
import { nonRetryableOnDomainError } from './domain-failures';

export interface RefundAttempt {
  transactionId: string;
  source: RefundSource;
  /** One per workflow run: a retried activity appends its audit entries once, a later attempt gets its own. */
  attemptKey: string;
  actorId: string | null;
  ipAddress: string | null;
  reason: string | null;
  stripeEventId: string | null;
}

export type BeginRefundResult = { kind: 'already_refunded' } | { kind: 'begun'; share: SaleRefunded['share'] };

interface LockedSale {
  status: string;
  amount_net_cents: number;
  tax_cents: number;
  instructor_id: string;
  share_status: RevenueRecordStatus;
  instructor_amount_cents: number;
}

async function lockSale(trx: Knex.Transaction, transactionId: string): Promise<LockedSale> {
  const sale = await trx('transactions as t')
    .join('revenue_records as r', 'r.transaction_id', 't.id')
    .where('t.id', transactionId)
    .forUpdate('t', 'r')
    .first<LockedSale | undefined>(
      't.status',
      't.amount_net_cents',
      't.tax_cents',
      'r.instructor_id',
      'r.status as share_status',
      'r.instructor_amount_cents',
    );
  if (!sale)
    throw ApplicationFailure.nonRetryable(`transaction ${transactionId} has no recorded sale`, 'not_refundable');
  return sale;
}

/**
 * The refund saga's database steps (workflows/refund.ts). Each is one DB transaction on the locked
 * transaction and revenue record, and idempotent: a retry finds its own earlier work and changes nothing.
 */
export function createRefundActivities(deps: Deps) {
  const { knex } = deps;
  return {
    /**
     * Sets the sale aside before any money moves: audits the request, revokes the buyer's access and takes the
     * instructor's share back — cancelled while it is held, payable or frozen and not in a payout; otherwise
     * (paid out, or in a payout under way) a clawback adjustment that the next payout deducts.
     * Undone by `undoBeginRefund` if the refund then fails.
     */
    async beginRefund(attempt: RefundAttempt): Promise<BeginRefundResult> {
      return nonRetryableOnDomainError(() =>
        knex.transaction(async (trx) => {
          const sale = await lockSale(trx, attempt.transactionId);
          if (sale.status === 'refunded') return { kind: 'already_refunded' };
          if (sale.status !== 'completed')
            throw ApplicationFailure.nonRetryable(refundRefusals.notRefundable.message, 'not_refundable');
          // Stripe will not refund a disputed charge; the dispute's outcome decides instead.
          if (sale.share_status === 'frozen' && attempt.source === 'api') {
            throw ApplicationFailure.nonRetryable(refundRefusals.disputed.message, refundRefusals.disputed.code);
          }

          await appendAudit(trx, {
            transactionId: attempt.transactionId,
            action: 'refund_requested',
            actorId: attempt.actorId,
            ipAddress: attempt.ipAddress,
            metadata: {
              source: attempt.source,
              reason: attempt.reason,
              stripeEventId: attempt.stripeEventId,
              refundCents: sale.amount_net_cents + sale.tax_cents,
              shareStatus: sale.share_status,
            },
            dedupeKey: `refund_requested:${attempt.attemptKey}`,
          });

          await trx('enrollments')
            .where({ transaction_id: attempt.transactionId, status: 'active' })
            .update({ status: 'revoked', revoked_at: trx.fn.now(), updated_at: trx.fn.now() });

          const share = await cancelOrClawBack(
            trx,
            attempt.transactionId,
            attempt.source === 'dispute_lost' ? 'dispute lost after payout' : 'refund after payout',
          );
          return { kind: 'begun', share };
        }),
      );
    },

    /**
     * Compensation of `beginRefund`: puts back what a completed (not refunded) sale implies — access active,
     * the share held or payable again (by its release date), no clawback — and audits the failure.
     * Safe to run whether or not `beginRefund` got as far as changing anything, and any number of times.
     */
    async undoBeginRefund(
      attempt: RefundAttempt,
      failure: { code: RefundFailureCode; message: string },
    ): Promise<void> {
      await nonRetryableOnDomainError(() =>
        knex.transaction(async (trx) => {
          const sale = await lockSale(trx, attempt.transactionId);
          if (sale.status !== 'completed') return; // refunded after all (or never refundable): nothing to put back
          await trx('enrollments')
            .where({ transaction_id: attempt.transactionId, status: 'revoked' })
            .update({ status: 'active', revoked_at: null, updated_at: trx.fn.now() });
          await undoCancelOrClawBack(trx, attempt.transactionId);
          await appendAudit(trx, {
            transactionId: attempt.transactionId,
            action: 'refund_failed',
            actorId: attempt.actorId,
            ipAddress: attempt.ipAddress,
            metadata: { source: attempt.source, code: failure.code, message: failure.message },
            dedupeKey: `refund_failed:${attempt.attemptKey}`,
          });
        }),
      );
    },

    /**
     * After the money went back: the transaction is refunded, audited, and buyer and instructor are told
     * (outbox rows, once each). Returns the refund as the API reports it.
     */
    async completeRefund(
      attempt: RefundAttempt,
      done: { stripeRefundId: string | null; share: SaleRefunded['share'] },
    ): Promise<RefundResult> {
      return knex.transaction(async (trx) => {
        const sale = await lockSale(trx, attempt.transactionId);
        const tx = await trx('transactions as t')
          .join('courses as c', 'c.id', 't.course_id')
          .where('t.id', attempt.transactionId)
          .first<{
            buyer_id: string;
            course_id: string;
            title: string;
            stripe_refund_id: string | null;
            refunded_at: Date | null;
          }>('t.buyer_id', 't.course_id', 'c.title', 't.stripe_refund_id', 't.refunded_at');
        let refundedAt = tx.refunded_at;
        let stripeRefundId = tx.stripe_refund_id;
        if (sale.status === 'completed') {
          const [row] = await trx('transactions')
            .where({ id: attempt.transactionId })
            .update({
              status: 'refunded',
              refunded_at: trx.fn.now(),
              stripe_refund_id: done.stripeRefundId,
              updated_at: trx.fn.now(),
            })
            .returning<{ refunded_at: Date; stripe_refund_id: string | null }[]>(['refunded_at', 'stripe_refund_id']);
          refundedAt = row.refunded_at;
          stripeRefundId = row.stripe_refund_id;
        }
        const refundCents = sale.amount_net_cents + sale.tax_cents;
        await appendAudit(trx, {
          transactionId: attempt.transactionId,
          action: 'refund_processed',
          actorId: attempt.actorId,
          ipAddress: attempt.ipAddress,
          metadata: {
            source: attempt.source,
            stripeRefundId,
            refundCents,
            instructorShare: done.share,
            instructorShareCents: sale.instructor_amount_cents,
          },
          // A transaction is refunded once, whichever attempt got there.
          dedupeKey: `refund_processed:${attempt.transactionId}`,
        });
        await enqueueNotification(trx, [
          {
            userId: tx.buyer_id,
            kind: 'refund_processed',
            dedupeKey: `refund:${attempt.transactionId}:buyer`,
            payload: {
              subject: `Your refund for ${tx.title}`,
              transactionId: attempt.transactionId,
              courseId: tx.course_id,
              refundCents,
            },
          },
          {
            userId: sale.instructor_id,
            kind: 'sale_refunded',
            dedupeKey: `refund:${attempt.transactionId}:instructor`,
            payload: {
              subject: `A sale of ${tx.title} was refunded`,
              transactionId: attempt.transactionId,
              courseId: tx.course_id,
              instructorShareCents: sale.instructor_amount_cents,
              instructorShare: done.share,
            },
          },
        ]);
        return {
          transactionId: attempt.transactionId,
          status: 'refunded',
          refundedAt: new Date(refundedAt ?? Date.now()).toISOString(),
          stripeRefundId,
          instructorShare: done.share,
          source: attempt.source,
        };
      });
    },
  };
}
