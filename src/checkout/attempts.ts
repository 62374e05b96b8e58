/**
 * Checkout attempts. An attempt is a pending transaction row (DESIGN §9) plus the workflow that drives it
 * (`checkoutWorkflowId(buyer, course, attempt)`). At most one attempt per buyer and course is pending (a
 * partial unique index), so a double click, a retried request and a webhook all land on the same workflow;
 * the next attempt gets the next number once the previous one has ended.
 */
import type { WorkflowStartOptions } from '@temporalio/client';
import type { Knex } from 'knex';
import type { Config } from '../config';
import { parseDuration } from '../domain/time';
import { type CheckoutFailureReason, type CheckoutInput, checkoutWorkflowId } from '../temporal/contracts/checkout';
import { saleSearchAttributes } from '../temporal/contracts/sale';
import { taskQueue } from '../temporal/shared';
import type { checkoutWorkflow } from '../../workflows/checkout';
import type { PricedPurchase } from './pricing';

export interface CheckoutAttempt {
  transactionId: string;
  workflowId: string;
  couponId: string | null;
  grossCents: number;
  netCents: number;
  /** False when the request joined an attempt that was already open. */
  created: boolean;
}

interface AttemptRow {
  id: string;
  checkout_workflow_id: string;
  coupon_id: string | null;
  amount_gross_cents: number;
  amount_net_cents: number;
}

const ATTEMPT_COLUMNS = ['id', 'checkout_workflow_id', 'coupon_id', 'amount_gross_cents', 'amount_net_cents'] as const;

function toAttempt(row: AttemptRow, created: boolean): CheckoutAttempt {
  return {
    transactionId: row.id,
    workflowId: row.checkout_workflow_id,
    couponId: row.coupon_id,
    grossCents: row.amount_gross_cents,
    netCents: row.amount_net_cents,
    created,
  };
}

/** Whether an open attempt charges what the buyer is asking for now (same coupon, same prices). */
export function sameTerms(attempt: CheckoutAttempt, priced: PricedPurchase): boolean {
  return (
    attempt.couponId === (priced.coupon?.id ?? null) &&
    attempt.grossCents === priced.grossCents &&
    attempt.netCents === priced.netCents
  );
}

/**
 * The buyer's open attempt for the course, or a new one (a pending transaction at the priced amounts).
 * Concurrent callers race on the unique indexes, not on a read: the loser reads the winner's row.
 */
export async function openCheckoutAttempt(
  knex: Knex,
  buyerId: string,
  priced: PricedPurchase,
): Promise<CheckoutAttempt> {
  const courseId = priced.course.id;
  for (let round = 0; round < 5; round++) {
    const open = await knex('transactions')
      .where({ buyer_id: buyerId, course_id: courseId, status: 'pending' })
      .first<AttemptRow | undefined>(...ATTEMPT_COLUMNS);
    if (open) return toAttempt(open, false);
    const previous = await knex('transactions')
      .where({ buyer_id: buyerId, course_id: courseId })
      .count<{ n: number }>('* as n')
      .first();
    const [created] = await knex('transactions')
      .insert({
        buyer_id: buyerId,
        course_id: courseId,
        coupon_id: priced.coupon?.id ?? null,
        amount_gross_cents: priced.grossCents,
        amount_discount_cents: priced.discountCents,
        amount_net_cents: priced.netCents,
        status: 'pending',
        checkout_workflow_id: checkoutWorkflowId(buyerId, courseId, (previous?.n ?? 0) + 1),
      })
      .onConflict()
      .ignore()
      .returning<AttemptRow[]>([...ATTEMPT_COLUMNS]);
    if (created) return toAttempt(created, true);
  }
  throw new Error(`could not open a checkout attempt for buyer ${buyerId} and course ${courseId}`);
}

/** Ends an attempt whose workflow cannot do it (never started, or gone): only while it is still pending. */
export async function failAttempt(knex: Knex, transactionId: string, reason: CheckoutFailureReason): Promise<void> {
  await knex('transactions')
    .where({ id: transactionId, status: 'pending' })
    .update({ status: 'failed', failure_reason: reason, updated_at: knex.fn.now() });
}

/**
 * The workflow input of an attempt, rebuilt from its row the same way every time — by the API that starts
 * it and by a webhook that signal-with-starts it — so both would start an identical workflow.
 */
export async function loadCheckoutInput(
  knex: Knex,
  config: Config,
  transactionId: string,
): Promise<{ workflowId: string; status: string; input: CheckoutInput } | undefined> {
  const row = await knex('transactions as t')
    .join('courses as c', 'c.id', 't.course_id')
    .join('users as u', 'u.id', 't.buyer_id')
    .leftJoin('coupons as cp', 'cp.id', 't.coupon_id')
    .where('t.id', transactionId)
    .whereNotNull('t.checkout_workflow_id')
    .first<
      | {
          id: string;
          status: string;
          checkout_workflow_id: string;
          buyer_id: string;
          course_id: string;
          coupon_id: string | null;
          amount_gross_cents: number;
          amount_discount_cents: number;
          amount_net_cents: number;
          created_at: Date;
          email: string;
          title: string;
          instructor_id: string;
          code: string | null;
        }
      | undefined
    >(
      't.id',
      't.status',
      't.checkout_workflow_id',
      't.buyer_id',
      't.course_id',
      't.coupon_id',
      't.amount_gross_cents',
      't.amount_discount_cents',
      't.amount_net_cents',
      't.created_at',
      'u.email',
      'c.title',
      'c.instructor_id',
      'cp.code',
    );
  if (!row) return undefined;
  const openedAt = new Date(row.created_at);
  const base = (config.PUBLIC_URL ?? `http://localhost:${config.PORT}`).replace(/\/+$/, '');
  return {
    workflowId: row.checkout_workflow_id,
    status: row.status,
    input: {
      transactionId: row.id,
      buyerId: row.buyer_id,
      buyerEmail: row.email,
      courseId: row.course_id,
      courseTitle: row.title,
      instructorId: row.instructor_id,
      couponId: row.coupon_id,
      couponCode: row.code,
      grossCents: row.amount_gross_cents,
      discountCents: row.amount_discount_cents,
      netCents: row.amount_net_cents,
      openedAt: openedAt.toISOString(),
      expiresAt: new Date(openedAt.getTime() + parseDuration(config.CHECKOUT_SESSION_TTL)).toISOString(),
      successUrl: `${base}/checkout/success?session_id={CHECKOUT_SESSION_ID}`,
      cancelUrl: `${base}/courses/${row.course_id}?checkout=cancelled`,
    },
  };
}

/**
 * How a checkout workflow is started, by the API (update-with-start) and by a webhook (signal-with-start).
 * A closed attempt is never started again (REJECT_DUPLICATE): its row already says how it ended.
 */
export function checkoutStartOptions(
  config: Config,
  id: string,
  input: CheckoutInput,
): WorkflowStartOptions<typeof checkoutWorkflow> {
  return {
    workflowId: id,
    taskQueue: taskQueue('core', config.TASK_QUEUE_PREFIX),
    args: [input],
    workflowIdReusePolicy: 'REJECT_DUPLICATE',
    typedSearchAttributes: saleSearchAttributes(input, { status: 'pending' }),
    staticSummary: `Checkout of "${input.courseTitle}" by ${input.buyerEmail}`,
  };
}
