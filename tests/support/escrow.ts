/**
 * Sales with their escrow workflow started the way checkout fulfilment starts it (by name, id from the
 * transaction), and small helpers to watch workflows and Stripe events the way the webhook route delivers them.
 */
import type { Client, WorkflowHandle } from '@temporalio/client';
import type { temporal } from '@temporalio/proto';
import type { Knex } from 'knex';
import { simulatedEvent } from '../../src/webhooks/simulated-events';
import type Stripe from 'stripe';
import type { Config } from '../../src/config';
import type { RecordedSale } from '../../src/sales/record-sale';
import { type EscrowInput, type EscrowState, escrowWorkflowId } from '../../src/temporal/contracts/escrow';
import { taskQueue } from '../../src/temporal/shared';
import { createCourse, createSale, createUser, type CourseFixture, type FixtureUser } from './fixtures';

export interface SaleScenario {
  instructor: FixtureUser;
  buyer: FixtureUser;
  course: CourseFixture;
  sale: RecordedSale;
  escrow: WorkflowHandle;
}

/** A $79 sale held for `holdMs`, its escrow workflow started as checkout starts it. */
export async function saleWithEscrow(
  knex: Knex,
  config: Config,
  client: Client,
  opts: { holdMs: number; completedAt?: Date; priceCents?: number },
): Promise<SaleScenario> {
  const instructor = await createUser(knex, config, 'instructor');
  const buyer = await createUser(knex, config, 'student');
  const course = await createCourse(knex, instructor.id, { priceCents: opts.priceCents ?? 7900 });
  const sale = await createSale(knex, {
    buyerId: buyer.id,
    courseId: course.id,
    grossCents: course.priceCents,
    holdMs: opts.holdMs,
    completedAt: opts.completedAt,
  });
  const escrow = await startEscrow(client, config, sale, course.id);
  return { instructor, buyer, course, sale, escrow };
}

export function startEscrow(
  client: Client,
  config: Config,
  sale: RecordedSale,
  courseId: string,
): Promise<WorkflowHandle> {
  const input: EscrowInput = {
    transactionId: sale.transactionId,
    revenueRecordId: sale.revenueRecordId,
    instructorId: sale.instructorId,
    courseId,
    releaseAt: sale.releaseAt,
  };
  return client.workflow.start('escrowWorkflow', {
    workflowId: escrowWorkflowId(sale.transactionId),
    taskQueue: taskQueue('core', config.TASK_QUEUE_PREFIX),
    args: [input],
  });
}

/** Polls `probe` until it returns a value that is not undefined (or `timeoutMs` passes). */
export async function waitFor<T>(probe: () => Promise<T | undefined>, what: string, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

export function escrowState(handle: WorkflowHandle): Promise<EscrowState> {
  return handle.query<EscrowState>('escrow.state');
}

/** Events of a workflow's history, all runs of the id (the latest run first if several). */
export async function historyEvents(
  client: Client,
  id: string,
  runId?: string,
): Promise<temporal.api.history.v1.IHistoryEvent[]> {
  const history = await client.workflow.getHandle(id, runId).fetchHistory();
  return history.events ?? [];
}

/** How many times a workflow run scheduled the activity `type`. */
export async function activityCount(client: Client, id: string, type: string, runId?: string): Promise<number> {
  const events = await historyEvents(client, id, runId);
  return events.filter((e) => e.activityTaskScheduledEventAttributes?.activityType?.name === type).length;
}

/**
 * A Stripe event as the webhook route hands it to a handler (verified, parsed). `account` marks an event of a
 * connected account (Connect); `created` sets when Stripe made it (events arrive out of order).
 */
export function stripeEvent<T extends Stripe.Event['type']>(
  type: T,
  object: Record<string, unknown>,
  opts: { account?: string; created?: Date } = {},
): Stripe.Event {
  const created = opts.created && Math.floor(opts.created.getTime() / 1000);
  return simulatedEvent(type, object, { account: opts.account, created }) as unknown as Stripe.Event;
}

/**
 * The state a completed monthly payout leaves a sale in: a completed payout of its share (period 2026-10-01)
 * and the share `paid` under it. Returns the payout id.
 */
export async function markPaidOut(knex: Knex, s: SaleScenario): Promise<string> {
  const [payout] = await knex('instructor_payouts')
    .insert({
      instructor_id: s.instructor.id,
      payout_period: '2026-10-01',
      gross_cents: s.sale.instructorCents,
      total_amount_cents: s.sale.instructorCents,
      status: 'completed',
      stripe_transfer_id: `tr_test_${s.sale.transactionId}`,
      initiated_at: knex.fn.now(),
      completed_at: knex.fn.now(),
    })
    .returning<{ id: string }[]>('id');
  await knex('revenue_records').where({ id: s.sale.revenueRecordId }).update({ status: 'paid', payout_id: payout.id });
  return payout.id;
}

export async function paymentIntentOf(knex: Knex, transactionId: string): Promise<string> {
  const row = await knex('transactions').where({ id: transactionId }).first('stripe_payment_intent_id');
  return row.stripe_payment_intent_id as string;
}
