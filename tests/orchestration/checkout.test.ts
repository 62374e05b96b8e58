/**
 * The checkout workflow's orchestration on the time-skipping test server, with a fake Stripe and fake books:
 * paid, the session's expiry (and a payment found at expiry), a delayed payment re-checked after 7 days, an
 * attempt superseded by another, a session Stripe would not create. Each path's history is replayed at the end
 * (`RECORD_HISTORIES=1` commits them to tests/workflows/histories/, replayed against future code by
 * tests/workflows/replay.test.ts). The API's and the database's side: tests/integration/checkout*.test.ts.
 */
import { randomUUID } from 'node:crypto';
import { Context } from '@temporalio/activity';
import { ApplicationFailure, type WorkflowHandle } from '@temporalio/client';
import type { temporal } from '@temporalio/proto';
import type { createCheckoutActivities } from '../../activities/checkout';
import type { createEscrowActivities } from '../../activities/escrow';
import type { createStripeCheckoutActivities } from '../../activities/stripe-checkout';
import {
  cancelCheckoutUpdate,
  CHECKOUT_FAILURES,
  checkoutEventSignal,
  checkoutSessionUpdate,
  checkoutStateQuery,
  checkoutWorkflowId,
  type CheckoutEventType,
  type CheckoutInput,
  type CheckoutResult,
  type CheckoutSessionFacts,
} from '../../src/temporal/contracts/checkout';
import { escrowWorkflowId } from '../../src/temporal/contracts/escrow';
import type { checkoutWorkflow } from '../../workflows/checkout';
import { waitFor } from '../support/wait-for';
import { replayAndRecord } from '../support/histories';
import { startTimeSkipping, type TimeSkipping } from '../support/time-skipping';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

type Db = ReturnType<typeof createCheckoutActivities>;
type Stripe = ReturnType<typeof createStripeCheckoutActivities>;

/** Sessions at the fake Stripe, and every step asked for, with the test server's time of asking. */
const sessions = new Map<string, CheckoutSessionFacts>();
let calls: { step: string; args: unknown[]; at: number }[];
let sessionRefused: boolean;

function record(step: string, ...args: unknown[]) {
  calls.push({ step, args, at: Context.current().info.currentAttemptScheduledTimestampMs });
}
const steps = () => calls.map((c) => c.step);
const callOf = (step: string) => calls.find((c) => c.step === step);

const db = {
  async attachCheckoutSession(transactionId: string, sessionId: string) {
    record('attachCheckoutSession', transactionId, sessionId);
  },
  async closeCheckout(transactionId: string, reason: string) {
    record('closeCheckout', transactionId, reason);
  },
  async fulfilCheckout(fulfil: Parameters<Db['fulfilCheckout']>[0]) {
    record('fulfilCheckout', fulfil);
    return {
      transactionId: fulfil.input.transactionId,
      revenueRecordId: `rr-${fulfil.input.transactionId}`,
      enrollmentId: `en-${fulfil.input.transactionId}`,
      instructorId: fulfil.input.instructorId,
      instructorCents: 7000,
      platformCents: 3000,
      releaseAt: new Date(Date.parse(fulfil.paidAt) + 7 * DAY).toISOString(),
      created: true,
    };
  },
} satisfies Db;

const stripe = {
  async createCheckoutSession(input: CheckoutInput) {
    record('createCheckoutSession', input.transactionId);
    if (sessionRefused) throw ApplicationFailure.nonRetryable('Invalid API key', 'StripeAuthenticationError');
    const sessionId = `cs_test_${input.transactionId}`;
    sessions.set(sessionId, { ...facts(sessionId, 'unpaid'), status: 'open' });
    return { sessionId, url: `https://checkout.stripe.test/${sessionId}` };
  },
  async settleCheckoutSession(sessionId: string) {
    record('settleCheckoutSession', sessionId);
    const session = sessions.get(sessionId)!;
    if (session.status === 'open') session.status = 'expired'; // expired at Stripe: can no longer be paid
    return { session, checkedAt: new Date(Context.current().info.currentAttemptScheduledTimestampMs).toISOString() };
  },
  async describePayment(paymentIntentId: string) {
    record('describePayment', paymentIntentId);
    return { chargeId: `ch_${paymentIntentId}`, paymentMethod: 'card' };
  },
} satisfies Stripe;

/** The sale's escrow, which fulfilment starts as a child: its share is simply released when the hold ends. */
const escrow = {
  readShare: async () => ({ status: 'payable' as const, final: false }),
  releaseShare: async () => ({ status: 'payable' as const, final: false }),
  freezeShare: async () => ({ status: 'frozen' as const, final: false }),
  closeDispute: async () => ({ status: 'payable' as const, final: false }),
} satisfies ReturnType<typeof createEscrowActivities>;

function facts(sessionId: string, paymentStatus: CheckoutSessionFacts['paymentStatus']): CheckoutSessionFacts {
  return {
    sessionId,
    status: 'complete',
    paymentStatus,
    paymentIntentId: `pi_${sessionId}`,
    amountSubtotalCents: 10_000,
    taxCents: 0,
    paymentMethod: paymentStatus === 'unpaid' ? 'sepa_debit' : 'card',
  };
}

let ts: TimeSkipping;
const histories: { name: string; history: temporal.api.history.v1.IHistory }[] = [];

// A server per test: once a workflow has started a child (the sale's escrow), the Java test server (1.31.0) no
// longer moves its clock for other workflows, even with `env.sleep`.
beforeEach(async () => {
  calls = [];
  sessionRefused = false;
  ts = await startTimeSkipping({ core: { ...db, ...escrow }, payments: stripe });
});
afterEach(() => ts?.close());

async function start(): Promise<{ handle: WorkflowHandle<typeof checkoutWorkflow>; input: CheckoutInput }> {
  const openedAt = await ts.now();
  const input: CheckoutInput = {
    transactionId: randomUUID(),
    buyerId: randomUUID(),
    buyerEmail: 'buyer@example.test',
    courseId: randomUUID(),
    courseTitle: 'Durable Workflows',
    instructorId: randomUUID(),
    couponId: null,
    couponCode: null,
    grossCents: 10_000,
    discountCents: 0,
    netCents: 10_000,
    openedAt: new Date(openedAt).toISOString(),
    expiresAt: new Date(openedAt + 24 * HOUR).toISOString(),
    successUrl: 'https://app.test/success',
    cancelUrl: 'https://app.test/cancel',
  };
  const handle = await ts.env.client.workflow.start<typeof checkoutWorkflow>('checkoutWorkflow', {
    taskQueue: ts.coreQueue,
    workflowId: checkoutWorkflowId(input.buyerId, input.courseId, 1),
    args: [input],
  });
  return { handle, input };
}

/**
 * The session's id once the workflow has created it. Read with the query, not the `checkoutSession` Update
 * the API uses: after an Update the Java test server stops skipping time (the paid and failed paths show the
 * Update's answers).
 */
async function sessionOf(handle: WorkflowHandle<typeof checkoutWorkflow>): Promise<string> {
  return waitFor(async () => (await handle.query(checkoutStateQuery)).session?.sessionId, 'the checkout session');
}

async function deliver(
  handle: WorkflowHandle<typeof checkoutWorkflow>,
  type: CheckoutEventType,
  session: CheckoutSessionFacts,
): Promise<void> {
  await handle.signal(checkoutEventSignal, {
    eventId: `evt_${randomUUID()}`,
    type,
    occurredAt: new Date(await ts.now()).toISOString(),
    session,
  });
}

async function finish(handle: WorkflowHandle<typeof checkoutWorkflow>, name: string): Promise<CheckoutResult> {
  const result = await handle.result();
  histories.push({ name, history: await handle.fetchHistory() });
  return result;
}

it('paid: records the sale with the payment’s details and starts the sale’s escrow', async () => {
  const { handle, input } = await start();
  const sessionId = await sessionOf(handle);
  await deliver(handle, 'checkout.session.completed', facts(sessionId, 'paid'));

  const result = await finish(handle, 'checkout-paid');
  expect(result).toEqual({
    status: 'completed',
    transactionId: input.transactionId,
    revenueRecordId: `rr-${input.transactionId}`,
    enrollmentId: `en-${input.transactionId}`,
  });
  expect(steps()).toEqual(['createCheckoutSession', 'attachCheckoutSession', 'describePayment', 'fulfilCheckout']);
  expect(callOf('fulfilCheckout')?.args[0]).toMatchObject({ chargeId: `ch_pi_${sessionId}`, session: { sessionId } });
  const escrowRun = await ts.env.client.workflow.getHandle(escrowWorkflowId(input.transactionId)).describe();
  expect(escrowRun.type).toBe('escrowWorkflow');
});

it('expired: at the session’s deadline expires it at Stripe and ends the attempt without a sale', async () => {
  const { handle, input } = await start();
  const sessionId = await sessionOf(handle);
  await ts.env.sleep(24 * HOUR);

  const result = await finish(handle, 'checkout-expired');
  expect(result).toEqual({ status: 'failed', transactionId: input.transactionId, failureReason: 'expired' });
  expect(steps()).toEqual(['createCheckoutSession', 'attachCheckoutSession', 'settleCheckoutSession', 'closeCheckout']);
  expect(callOf('settleCheckoutSession')?.at).toBeGreaterThanOrEqual(Date.parse(input.expiresAt));
  expect(callOf('closeCheckout')?.args).toEqual([input.transactionId, 'expired']);
  expect(sessions.get(sessionId)?.status).toBe('expired');
});

/** The activities of a checkout whose payment the workflow found itself (no webhook): settle, look, fulfil. */
const PAID_FOUND_BY_RECHECK = [
  'createCheckoutSession',
  'attachCheckoutSession',
  'settleCheckoutSession',
  'describePayment',
  'fulfilCheckout',
];

it('paid without a webhook: the deadline’s check finds the payment and records the sale', async () => {
  const { handle, input } = await start();
  const sessionId = await sessionOf(handle);
  sessions.set(sessionId, facts(sessionId, 'paid')); // paid at Stripe; the event never arrives
  await ts.env.sleep(24 * HOUR);

  const result = await handle.result();
  expect(result).toMatchObject({ status: 'completed', transactionId: input.transactionId });
  expect(steps()).toEqual(PAID_FOUND_BY_RECHECK);
});

it('async-paid: a delayed payment outlives the session’s deadline and is re-checked after 7 days', async () => {
  const { handle, input } = await start();
  const sessionId = await sessionOf(handle);
  const completedAt = await ts.now();
  await deliver(handle, 'checkout.session.completed', facts(sessionId, 'unpaid'));
  await waitFor(
    async () => ((await handle.query(checkoutStateQuery)).phase === 'payment_processing' ? true : undefined),
    'payment processing',
  );
  await ts.env.sleep(2 * DAY); // past the session's deadline: nothing happens, the payment is under way
  expect(steps()).toEqual(['createCheckoutSession', 'attachCheckoutSession']);
  sessions.set(sessionId, facts(sessionId, 'paid')); // the bank debit settled; its webhook went missing
  await ts.env.sleep(5 * DAY);

  const result = await finish(handle, 'checkout-async-paid');
  expect(result).toMatchObject({ status: 'completed', transactionId: input.transactionId });
  expect(steps()).toEqual(PAID_FOUND_BY_RECHECK);
  expect(callOf('settleCheckoutSession')?.at).toBeGreaterThanOrEqual(completedAt + 7 * DAY);
});

it('async payment failed: the attempt ends without a sale as soon as Stripe says so', async () => {
  const { handle, input } = await start();
  const sessionId = await sessionOf(handle);
  await deliver(handle, 'checkout.session.completed', facts(sessionId, 'unpaid'));
  await waitFor(
    async () => ((await handle.query(checkoutStateQuery)).phase === 'payment_processing' ? true : undefined),
    'payment processing',
  );
  // Now the buyer may not move on: the payment is under way.
  await expect(handle.executeUpdate(cancelCheckoutUpdate, { args: ['superseded'] })).rejects.toMatchObject({
    cause: { type: CHECKOUT_FAILURES.paymentProcessing },
  });

  await deliver(handle, 'checkout.session.async_payment_failed', facts(sessionId, 'unpaid'));
  expect(await handle.result()).toEqual({
    status: 'failed',
    transactionId: input.transactionId,
    failureReason: 'payment_failed',
  });
  expect(callOf('closeCheckout')?.args).toEqual([input.transactionId, 'payment_failed']);
  expect(steps()).not.toContain('fulfilCheckout');
});

it('superseded: the buyer’s new attempt expires this one’s session at once and ends it', async () => {
  const { handle, input } = await start();
  const sessionId = await sessionOf(handle);
  const askedAt = await ts.now();
  await handle.executeUpdate(cancelCheckoutUpdate, { args: ['superseded'] });

  const result = await finish(handle, 'checkout-superseded');
  expect(result).toEqual({ status: 'failed', transactionId: input.transactionId, failureReason: 'superseded' });
  expect(steps()).toEqual(['createCheckoutSession', 'attachCheckoutSession', 'settleCheckoutSession', 'closeCheckout']);
  expect(callOf('settleCheckoutSession')?.at).toBeLessThan(askedAt + HOUR); // not at the deadline
  expect(sessions.get(sessionId)?.status).toBe('expired');
  // A late event of the superseded session changes nothing: the attempt is closed.
  expect((await handle.query(checkoutStateQuery)).phase).toBe('failed');
});

it('session failed: Stripe will not create the session; the attempt ends and the waiting request is told to retry', async () => {
  sessionRefused = true;
  const { handle, input } = await start();
  await expect(handle.executeUpdate(checkoutSessionUpdate)).rejects.toMatchObject({
    cause: { type: CHECKOUT_FAILURES.sessionFailed },
  });
  const result = await finish(handle, 'checkout-session-failed');
  expect(result).toEqual({ status: 'failed', transactionId: input.transactionId, failureReason: 'checkout_error' });
  expect(steps()).toEqual(['createCheckoutSession', 'closeCheckout']);
  expect(callOf('closeCheckout')?.args).toEqual([input.transactionId, 'checkout_error']);
});

it('replays every history above deterministically (RECORD_HISTORIES=1 commits them for future code)', async () => {
  expect(histories.map((h) => h.name).sort()).toEqual([
    'checkout-async-paid',
    'checkout-expired',
    'checkout-paid',
    'checkout-session-failed',
    'checkout-superseded',
  ]);
  await replayAndRecord(histories);
});
