/**
 * The refund saga's orchestration on the time-skipping test server, with fake steps: when Stripe refuses, the
 * undo of `beginRefund` runs and the escrow is told to look again; once Stripe has refunded, a failing
 * `completeRefund` is retried to the end and nothing is undone. The books' side against Postgres:
 * tests/integration/refunds.test.ts.
 */
import { randomUUID } from 'node:crypto';
import { ApplicationFailure, WorkflowUpdateFailedError, type WorkflowHandle } from '@temporalio/client';
import type { createRefundActivities, RefundAttempt } from '../../activities/refunds';
import type { createStripeRefundActivities } from '../../activities/stripe-refunds';
import { escrowWorkflowId } from '../../src/temporal/contracts/escrow';
import {
  refundSignals,
  refundStateQuery,
  refundUpdates,
  refundWorkflowId,
  type RefundInput,
  type RefundOutcome,
  type RefundResult,
} from '../../src/temporal/contracts/refund';
import type { refundWorkflow } from '../../workflows/refund';
import { startTimeSkipping, type TimeSkipping } from '../support/time-skipping';

type Steps = ReturnType<typeof createRefundActivities>;

let calls: { step: string; args: unknown[] }[];
let script: { stripe: () => Promise<{ refundId: string | null }>; completeFailures: number };

const steps = {
  async beginRefund(attempt: RefundAttempt) {
    calls.push({ step: 'beginRefund', args: [attempt] });
    return { kind: 'begun' as const, share: 'cancelled' as const };
  },
  async undoBeginRefund(...args: Parameters<Steps['undoBeginRefund']>) {
    calls.push({ step: 'undoBeginRefund', args });
  },
  async completeRefund(...[attempt, done]: Parameters<Steps['completeRefund']>): Promise<RefundResult> {
    calls.push({ step: 'completeRefund', args: [attempt, done] });
    if (script.completeFailures-- > 0) throw new Error('connection terminated unexpectedly'); // retryable
    return {
      transactionId: attempt.transactionId,
      status: 'refunded',
      refundedAt: new Date().toISOString(),
      stripeRefundId: done.stripeRefundId,
      instructorShare: done.share,
      source: attempt.source,
    };
  },
} satisfies Steps;

const stripe = {
  async createStripeRefund() {
    calls.push({ step: 'createStripeRefund', args: [] });
    return script.stripe();
  },
} satisfies ReturnType<typeof createStripeRefundActivities>;

let ts: TimeSkipping;
beforeAll(async () => {
  ts = await startTimeSkipping({ core: steps, payments: stripe });
});
afterAll(() => ts?.close());
beforeEach(() => {
  calls = [];
  script = { stripe: async () => ({ refundId: 're_1' }), completeFailures: 0 };
});

async function start(): Promise<{ handle: WorkflowHandle<typeof refundWorkflow>; sale: RefundInput }> {
  const sale: RefundInput = {
    transactionId: randomUUID(),
    buyerId: randomUUID(),
    instructorId: randomUUID(),
    courseId: randomUUID(),
    status: 'completed',
    paidAt: new Date((await ts.now()) - 3_600_000).toISOString(),
    shareStatus: 'held',
    stripePaymentIntentId: 'pi_1',
    stripeChargeId: null,
  };
  const handle = await ts.env.client.workflow.start<typeof refundWorkflow>('refundWorkflow', {
    taskQueue: ts.coreQueue,
    workflowId: refundWorkflowId(sale.transactionId),
    args: [sale],
  });
  return { handle, sale };
}

async function requestRefund(handle: WorkflowHandle<typeof refundWorkflow>, sale: RefundInput) {
  return handle.executeUpdate(refundUpdates.request, {
    args: [
      {
        actorId: sale.buyerId,
        actorRole: 'student',
        requestedAt: new Date(await ts.now()).toISOString(),
        ipAddress: '203.0.113.9',
        reason: 'not for me',
      },
    ],
  });
}

/** What the workflow did, in order: the activities it ran and the signals it sent (to the sale's escrow). */
async function commandsOf(handle: WorkflowHandle): Promise<string[]> {
  const history = await handle.fetchHistory();
  return (history.events ?? []).flatMap((e) => {
    const activity = e.activityTaskScheduledEventAttributes?.activityType?.name;
    if (activity) return [activity];
    const signal = e.signalExternalWorkflowExecutionInitiatedEventAttributes;
    return signal ? [`signal ${signal.signalName} → ${signal.workflowExecution?.workflowId}`] : [];
  });
}

it('Stripe refuses: the undo of beginRefund runs after it, then the escrow is told to look again', async () => {
  script.stripe = async () => {
    throw ApplicationFailure.nonRetryable('Charge ch_1 has been disputed', 'payment_provider_refused');
  };
  const { handle, sale } = await start();
  const refused = await requestRefund(handle, sale).catch((err: unknown) => err);
  expect(refused).toBeInstanceOf(WorkflowUpdateFailedError);
  expect((refused as WorkflowUpdateFailedError).cause).toMatchObject({ type: 'payment_provider_refused' });

  const outcome: RefundOutcome = await handle.result();
  expect(outcome).toEqual({
    status: 'refused',
    code: 'payment_provider_refused',
    message: 'Charge ch_1 has been disputed',
  });
  expect(calls.map((c) => c.step)).toEqual(['beginRefund', 'createStripeRefund', 'undoBeginRefund']);
  const [attempt, failure] = calls[2].args;
  expect(attempt).toEqual(calls[0].args[0]); // the same attempt is undone
  expect(failure).toEqual({ code: 'payment_provider_refused', message: 'Charge ch_1 has been disputed' });
  expect(await commandsOf(handle)).toEqual([
    'beginRefund',
    'createStripeRefund',
    'undoBeginRefund',
    `signal escrow.refundReverted → ${escrowWorkflowId(sale.transactionId)}`,
  ]);
});

it('a failure after the money moved: completeRefund is retried until it succeeds, and nothing is undone', async () => {
  script.completeFailures = 2;
  const { handle, sale } = await start();
  const result = await requestRefund(handle, sale);
  expect(result).toMatchObject({
    transactionId: sale.transactionId,
    status: 'refunded',
    stripeRefundId: 're_1',
    instructorShare: 'cancelled',
    source: 'api',
  });
  expect(calls.map((c) => c.step)).toEqual([
    'beginRefund',
    'createStripeRefund',
    'completeRefund',
    'completeRefund',
    'completeRefund',
  ]);
  expect(await handle.result()).toEqual({ status: 'refunded', result });
  expect(await commandsOf(handle)).toEqual([
    'beginRefund',
    'createStripeRefund',
    'completeRefund',
    `signal escrow.saleRefunded → ${escrowWorkflowId(sale.transactionId)}`,
  ]);
  expect(await handle.query(refundStateQuery)).toMatchObject({ source: 'api', outcome: { status: 'refunded' } });
});

it('refunded at Stripe: no Stripe call, the refund is completed with Stripe’s refund id', async () => {
  const { handle, sale } = await start();
  await handle.signal(refundSignals.stripeRefunded, { eventId: 'evt_1', refundId: 're_dashboard' });
  await handle.signal(refundSignals.stripeRefunded, { eventId: 'evt_1', refundId: 're_dashboard' }); // redelivered
  const outcome: RefundOutcome = await handle.result();
  expect(outcome).toMatchObject({ status: 'refunded', result: { stripeRefundId: 're_dashboard', source: 'stripe' } });
  expect(calls.map((c) => c.step)).toEqual(['beginRefund', 'completeRefund']);
  expect(calls[0].args[0]).toMatchObject({ transactionId: sale.transactionId, stripeEventId: 'evt_1' });
});
