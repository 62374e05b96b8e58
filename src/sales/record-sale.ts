import type { Knex } from 'knex';
import { appendAudit } from '../audit/log';
import { estimateStripeFee, splitRevenue } from '../domain/money';
import { enqueueNotification } from '../notifications/outbox';
import { holdShare } from './shares';

export interface CompletedSaleInput {
  stripeCheckoutSessionId: string;
  stripePaymentIntentId: string | null;
  stripeChargeId?: string | null;
  checkoutWorkflowId?: string | null;
  buyerId: string;
  courseId: string;
  couponId: string | null;
  grossCents: number;
  discountCents: number;
  taxCents: number;
  paymentMethod: string | null;
  completedAt: Date;
  /** Escrow hold: the instructor share becomes payable at completedAt + holdMs. */
  holdMs: number;
  /** Default: the address the buyer opened the checkout from (transactions.client_ip). */
  ipAddress?: string | null;
}

export interface RecordedSale {
  transactionId: string;
  revenueRecordId: string;
  enrollmentId: string;
  instructorId: string;
  instructorCents: number;
  platformCents: number;
  releaseAt: string;
  /** False when this sale had already been recorded (a retried activity, a duplicate webhook). */
  created: boolean;
}

/**
 * Records a paid checkout in one database transaction: the transaction row (completed), the revenue split
 * (held until completedAt + hold), the enrollment (a refunded buyer's revoked enrollment is re-activated),
 * the coupon use (counted atomically, never past max_uses), audit entries and the buyer's notification.
 * Idempotent by Stripe Checkout Session id: recording the same session again changes nothing.
 */
export async function recordCompletedSale(knex: Knex, sale: CompletedSaleInput): Promise<RecordedSale> {
  return knex.transaction(async (trx) => {
    const course = await trx('courses').where({ id: sale.courseId }).first('instructor_id', 'title');
    if (!course) throw new Error(`course ${sale.courseId} does not exist`);
    const netCents = sale.grossCents - sale.discountCents;
    const { instructorCents, platformCents } = splitRevenue(netCents);
    const completed = {
      status: 'completed',
      stripe_payment_intent_id: sale.stripePaymentIntentId,
      stripe_charge_id: sale.stripeChargeId ?? null,
      stripe_fee_cents: estimateStripeFee(netCents + sale.taxCents),
      payment_method: sale.paymentMethod,
      completed_at: sale.completedAt,
      updated_at: trx.fn.now(),
    };
    // A pending row may exist from checkout creation: complete it; otherwise insert. Only a pending row changes.
    const [inserted] = await trx('transactions')
      .insert({
        stripe_checkout_session_id: sale.stripeCheckoutSessionId,
        checkout_workflow_id: sale.checkoutWorkflowId ?? null,
        buyer_id: sale.buyerId,
        course_id: sale.courseId,
        coupon_id: sale.couponId,
        amount_gross_cents: sale.grossCents,
        amount_discount_cents: sale.discountCents,
        amount_net_cents: netCents,
        tax_cents: sale.taxCents,
        ...completed,
      })
      .onConflict('stripe_checkout_session_id')
      .merge({ ...completed, tax_cents: sale.taxCents })
      .where('transactions.status', 'pending')
      .returning<{ id: string; client_ip: string | null }[]>(['id', 'client_ip']);
    if (!inserted) return existingSale(trx, sale.stripeCheckoutSessionId);
    const transactionId = inserted.id;

    const releaseAt = new Date(sale.completedAt.getTime() + sale.holdMs);
    const revenue = await holdShare(trx, {
      transactionId,
      instructorId: course.instructor_id,
      instructorCents,
      platformCents,
      releaseAt,
    });

    const [enrollment] = await trx('enrollments')
      .insert({ course_id: sale.courseId, student_id: sale.buyerId, transaction_id: transactionId, status: 'active' })
      .onConflict(['course_id', 'student_id'])
      .merge({
        transaction_id: transactionId,
        status: 'active',
        revoked_at: null,
        enrolled_at: trx.fn.now(),
        updated_at: trx.fn.now(),
      })
      .returning<{ id: string }[]>('id');

    const audit = (action: 'purchase' | 'coupon_applied', metadata: Record<string, unknown>) =>
      appendAudit(trx, {
        transactionId,
        action,
        actorId: sale.buyerId,
        metadata,
        ipAddress: sale.ipAddress ?? inserted.client_ip,
      });
    await audit('purchase', {
      courseId: sale.courseId,
      grossCents: sale.grossCents,
      discountCents: sale.discountCents,
      netCents,
      taxCents: sale.taxCents,
      instructorCents,
      platformCents,
    });
    if (sale.couponId) {
      const counted = await trx('coupons')
        .where({ id: sale.couponId })
        .whereRaw('(max_uses is null or current_uses < max_uses)')
        .increment('current_uses', 1);
      // The buyer paid the discounted price either way; a coupon used up meanwhile is recorded, not counted past its limit.
      await audit('coupon_applied', {
        couponId: sale.couponId,
        discountCents: sale.discountCents,
        counted: counted === 1,
      });
    }
    await enqueueNotification(trx, {
      userId: sale.buyerId,
      kind: 'purchase_confirmation',
      dedupeKey: `purchase:${transactionId}`,
      payload: {
        subject: `You're enrolled in ${course.title}`,
        transactionId,
        courseId: sale.courseId,
        netCents,
        taxCents: sale.taxCents,
      },
    });

    return {
      transactionId,
      revenueRecordId: revenue.id,
      enrollmentId: enrollment.id,
      instructorId: course.instructor_id,
      instructorCents,
      platformCents,
      releaseAt: releaseAt.toISOString(),
      created: true,
    };
  });
}

async function existingSale(trx: Knex.Transaction, checkoutSessionId: string): Promise<RecordedSale> {
  const row = await trx('transactions as t')
    .join('revenue_records as r', 'r.transaction_id', 't.id')
    .join('enrollments as e', 'e.transaction_id', 't.id')
    .where('t.stripe_checkout_session_id', checkoutSessionId)
    .first(
      't.id',
      'r.id as revenue_id',
      'e.id as enrollment_id',
      'r.instructor_id',
      'r.instructor_amount_cents',
      'r.platform_amount_cents',
      'r.release_at',
    );
  if (!row) throw new Error(`checkout session ${checkoutSessionId} is recorded but not completed`);
  return {
    transactionId: row.id,
    revenueRecordId: row.revenue_id,
    enrollmentId: row.enrollment_id,
    instructorId: row.instructor_id,
    instructorCents: row.instructor_amount_cents,
    platformCents: row.platform_amount_cents,
    releaseAt: new Date(row.release_at).toISOString(),
    created: false,
  };
}
