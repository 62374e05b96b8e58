/**
 * The escrow workflow's orchestration on the time-skipping test server, with a fake share store in place of
 * the database (its moves follow src/sales/shares.ts): the 7-day hold, and a dispute won before and after the
 * release. The books' side of the same paths is tested against Postgres in tests/integration/escrow.test.ts.
 */
import { randomUUID } from 'node:crypto';
import { Context } from '@temporalio/activity';
import type { WorkflowHandle } from '@temporalio/client';
import type { createEscrowActivities, ShareSnapshot } from '../../activities/escrow';
import type { SaleStatus } from '../../src/domain/sale-status';
import {
  escrowSignals,
  escrowStateQuery,
  escrowWorkflowId,
  type EscrowInput,
  type EscrowState,
} from '../../src/temporal/contracts/escrow';
import type { escrowWorkflow } from '../../workflows/escrow';
import { waitFor } from '../support/wait-for';
import { startTimeSkipping, type TimeSkipping } from '../support/time-skipping';

const DAY = 86_400_000;
const HOLD_MS = 7 * DAY;

/** The share of each sale, and every step the workflow asked for with the test server's time of asking. */
const shares = new Map<string, { status: SaleStatus; releaseAt: number }>();
let calls: { step: string; transactionId: string; at: number }[];

function record(step: string, transactionId: string) {
  calls.push({ step, transactionId, at: Context.current().info.currentAttemptScheduledTimestampMs });
  const share = shares.get(transactionId);
  if (!share) throw new Error(`no share for ${transactionId}`);
  return share;
}
const snapshot = (share: { status: SaleStatus }): ShareSnapshot => ({ status: share.status, final: false });

const escrow = {
  async readShare(transactionId: string) {
    return snapshot(record('readShare', transactionId));
  },
  async releaseShare(transactionId: string) {
    const share = record('releaseShare', transactionId);
    if (share.status === 'held') share.status = 'payable';
    return snapshot(share);
  },
  async freezeShare(transactionId: string) {
    const share = record('freezeShare', transactionId);
    if (share.status === 'held' || share.status === 'payable') share.status = 'frozen';
    return snapshot(share);
  },
  async closeDispute(transactionId: string, dispute: { outcome: 'won' | 'lost' }) {
    const share = record('closeDispute', transactionId);
    // Won: payable if the hold has ended, else held until it has (unfreezeShare).
    if (dispute.outcome === 'won' && share.status === 'frozen') {
      const at = Context.current().info.currentAttemptScheduledTimestampMs;
      share.status = at >= share.releaseAt ? 'payable' : 'held';
    }
    return snapshot(share);
  },
} satisfies ReturnType<typeof createEscrowActivities>;

let ts: TimeSkipping;
beforeAll(async () => {
  ts = await startTimeSkipping({ core: escrow });
});
afterAll(() => ts?.close());
beforeEach(() => {
  calls = [];
});

async function sale(): Promise<EscrowInput> {
  const transactionId = randomUUID();
  const releaseAt = (await ts.now()) + HOLD_MS;
  shares.set(transactionId, { status: 'held', releaseAt });
  return {
    transactionId,
    revenueRecordId: randomUUID(),
    instructorId: randomUUID(),
    courseId: randomUUID(),
    releaseAt: new Date(releaseAt).toISOString(),
  };
}

function start(input: EscrowInput): Promise<WorkflowHandle<typeof escrowWorkflow>> {
  return ts.env.client.workflow.start<typeof escrowWorkflow>('escrowWorkflow', {
    taskQueue: ts.coreQueue,
    workflowId: escrowWorkflowId(input.transactionId),
    args: [input],
  });
}

const steps = () => calls.map((c) => c.step);
const stateOf = (handle: WorkflowHandle) => handle.query(escrowStateQuery);
const untilStatus = (handle: WorkflowHandle, status: SaleStatus) =>
  waitFor(async () => ((await stateOf(handle)).status === status ? true : undefined), `escrow ${status}`);
const dispute = (id: string) => ({ eventId: `evt_${randomUUID()}`, disputeId: id });

it('holds the share for 7 days, then releases it once and ends', async () => {
  const input = await sale();
  const handle = await start(input);
  await ts.env.sleep(HOLD_MS - DAY);
  expect(await stateOf(handle)).toMatchObject({ status: 'held', holdEnded: false });
  expect(steps()).toEqual([]);

  const result: EscrowState = await handle.result();
  expect(result).toMatchObject({ status: 'payable', holdEnded: true, dispute: null, refunded: null });
  expect(steps()).toEqual(['releaseShare']);
  expect(calls[0].at).toBeGreaterThanOrEqual(Date.parse(input.releaseAt));
  expect(shares.get(input.transactionId)?.status).toBe('payable');
});

it('a dispute won before the release freezes the share, then holds it again until the 7 days are over', async () => {
  const input = await sale();
  const handle = await start(input);
  await handle.signal(escrowSignals.disputeOpened, dispute('dp_1'));
  await untilStatus(handle, 'frozen');
  await ts.env.sleep(2 * DAY);
  await handle.signal(escrowSignals.disputeClosed, { ...dispute('dp_1'), outcome: 'won' });
  await untilStatus(handle, 'held');
  expect(steps()).toEqual(['freezeShare', 'closeDispute']);

  const result: EscrowState = await handle.result();
  expect(result).toMatchObject({ status: 'payable', holdEnded: true, dispute: { id: 'dp_1', state: 'won' } });
  expect(steps()).toEqual(['freezeShare', 'closeDispute', 'releaseShare']);
  expect(calls[2].at).toBeGreaterThanOrEqual(Date.parse(input.releaseAt));
});

it('a dispute opened while frozen past the release date is released the moment it is won', async () => {
  const input = await sale();
  const handle = await start(input);
  await handle.signal(escrowSignals.disputeOpened, dispute('dp_2'));
  await untilStatus(handle, 'frozen');
  await ts.env.sleep(HOLD_MS + DAY); // the hold ends while the share is frozen: nothing is released
  expect(await stateOf(handle)).toMatchObject({ status: 'frozen', holdEnded: true });
  expect(steps()).toEqual(['freezeShare']);

  await handle.signal(escrowSignals.disputeClosed, { ...dispute('dp_2'), outcome: 'won' });
  const result: EscrowState = await handle.result();
  expect(result).toMatchObject({ status: 'payable', dispute: { id: 'dp_2', state: 'won' } });
  expect(steps()).toEqual(['freezeShare', 'closeDispute']); // payable on closing: no release step after it
});

it('a dispute won after the release: the webhook restarts the escrow, which freezes and then releases again', async () => {
  const input = await sale();
  const first: EscrowState = await (await start(input)).result();
  expect(first.status).toBe('payable');

  // What signalEscrowWorkflow (src/sales/workflow-client.ts) does when the sale's escrow has closed.
  const handle = await ts.env.client.workflow.signalWithStart<
    typeof escrowWorkflow,
    [{ eventId: string; disputeId: string }]
  >('escrowWorkflow', {
    taskQueue: ts.coreQueue,
    workflowId: escrowWorkflowId(input.transactionId),
    args: [input],
    signal: escrowSignals.disputeOpened,
    signalArgs: [dispute('dp_3')],
    workflowIdReusePolicy: 'ALLOW_DUPLICATE',
  });
  await untilStatus(handle, 'frozen');
  await handle.signal(escrowSignals.disputeClosed, { ...dispute('dp_3'), outcome: 'won' });
  const result: EscrowState = await handle.result();
  expect(result).toMatchObject({ status: 'payable', holdEnded: true, dispute: { id: 'dp_3', state: 'won' } });
  expect(steps()).toEqual(['releaseShare', 'freezeShare', 'closeDispute']);
  expect(shares.get(input.transactionId)?.status).toBe('payable');
});
