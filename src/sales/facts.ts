import type { Knex } from 'knex';
import type { RevenueRecordStatus } from '../models/RevenueRecord';
import type { TransactionStatus } from '../models/Transaction';
import type { EscrowInput } from '../temporal/contracts/escrow';
import type { RefundInput } from '../temporal/contracts/refund';

/** One sale as the refund and escrow workflows need it: the transaction, its course's instructor, its share. */
export interface SaleFacts {
  transactionId: string;
  buyerId: string;
  courseId: string;
  instructorId: string;
  status: TransactionStatus;
  paidAt: Date | null;
  stripePaymentIntentId: string | null;
  stripeChargeId: string | null;
  /** Null until the sale is recorded as completed. */
  revenueRecordId: string | null;
  shareStatus: RevenueRecordStatus | null;
  releaseAt: Date | null;
}

export type SaleKey =
  { transactionId: string } | { stripeChargeId: string | null; stripePaymentIntentId: string | null };

/** The sale by our id, or by the Stripe charge / payment intent a webhook names; undefined if there is none. */
export async function findSale(knex: Knex, key: SaleKey): Promise<SaleFacts | undefined> {
  const query = knex('transactions as t')
    .join('courses as c', 'c.id', 't.course_id')
    .leftJoin('revenue_records as r', 'r.transaction_id', 't.id')
    .select<SaleFacts[]>(
      't.id as transactionId',
      't.buyer_id as buyerId',
      't.course_id as courseId',
      'c.instructor_id as instructorId',
      't.status',
      't.completed_at as paidAt',
      't.stripe_payment_intent_id as stripePaymentIntentId',
      't.stripe_charge_id as stripeChargeId',
      'r.id as revenueRecordId',
      'r.status as shareStatus',
      'r.release_at as releaseAt',
    )
    .limit(1);
  if ('transactionId' in key) {
    query.where('t.id', key.transactionId);
  } else {
    const { stripeChargeId, stripePaymentIntentId } = key;
    if (!stripeChargeId && !stripePaymentIntentId) return undefined;
    query.where((w) => {
      if (stripeChargeId) w.orWhere('t.stripe_charge_id', stripeChargeId);
      if (stripePaymentIntentId) w.orWhere('t.stripe_payment_intent_id', stripePaymentIntentId);
    });
  }
  const [sale] = await query;
  return sale;
}

export function escrowInputOf(sale: SaleFacts): EscrowInput {
  if (!sale.revenueRecordId || !sale.releaseAt)
    throw new Error(`transaction ${sale.transactionId} has no recorded sale`);
  return {
    transactionId: sale.transactionId,
    revenueRecordId: sale.revenueRecordId,
    instructorId: sale.instructorId,
    courseId: sale.courseId,
    releaseAt: sale.releaseAt.toISOString(),
  };
}

export function refundInputOf(sale: SaleFacts): RefundInput {
  return {
    transactionId: sale.transactionId,
    buyerId: sale.buyerId,
    instructorId: sale.instructorId,
    courseId: sale.courseId,
    status: sale.status,
    paidAt: sale.paidAt ? sale.paidAt.toISOString() : null,
    shareStatus: sale.shareStatus,
    stripePaymentIntentId: sale.stripePaymentIntentId,
    stripeChargeId: sale.stripeChargeId,
  };
}
