/**
 * The payout run continues as new when Temporal suggests it (workflows/payouts.ts), carrying its cursor and
 * totals. A dev server of its own, started with a low `limit.historyCount.suggestContinueAsNew`, makes a run
 * of 30 instructors do so several times; the fake books and Stripe check that everyone is paid exactly once.
 * The real books' side of a payout run: tests/integration/payout-run.test.ts.
 */
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { DefaultLogger, Runtime, Worker } from '@temporalio/worker';
import type {
  createPayoutActivities,
  createPayoutPaymentActivities,
  PayoutTransferInput,
} from '../../activities/payouts';
import { ensureTool, GO_TOOLS } from '../../src/stack/tools';
import { payoutIds, type PayoutRunProgress } from '../../src/temporal/contracts/payouts';
import { searchAttributes, taskQueue } from '../../src/temporal/shared';
import type { payoutRunWorkflow } from '../../workflows/payouts';

jest.setTimeout(120_000);

const INSTRUCTORS = Array.from({ length: 30 }, (_, i) => `instructor-${String(i).padStart(2, '0')}`);
const BALANCE_CENTS = 12_500;
/** Events after which the server suggests continuing as new (the default is 4 Ki). */
const SUGGEST_CONTINUE_AS_NEW = 60;

const transfers: PayoutTransferInput[] = [];
const completed: string[] = [];

const records = {
  async findDueInstructors({ after, limit }: { after: string | null; limit: number }) {
    const rest = INSTRUCTORS.filter((id) => after === null || id > after);
    const page = rest.slice(0, limit);
    return {
      instructors: page.map((instructorId) => ({ instructorId, balanceCents: BALANCE_CENTS })),
      nextCursor: rest.length > limit ? page[page.length - 1] : null,
    };
  },
  async preparePayout({ instructorId, period }: { instructorId: string; period: string }) {
    return {
      kind: 'ready' as const,
      payoutId: `po-${instructorId}-${period}`,
      totalCents: BALANCE_CENTS,
      destination: `acct_${instructorId}`,
      resumed: false,
    };
  },
  async completePayout({ payoutId }: { payoutId: string; transferId: string }) {
    completed.push(payoutId);
  },
  async failPayout() {
    throw new Error('no payout fails here');
  },
} as unknown as ReturnType<typeof createPayoutActivities>;

const payments = {
  async sendPayoutTransfer(input: PayoutTransferInput) {
    transfers.push(input);
    return { transferId: `tr_${input.payoutId}` };
  },
} satisfies ReturnType<typeof createPayoutPaymentActivities>;

let env: TestWorkflowEnvironment;
let workers: Worker[];
let running: Promise<unknown>;
const prefix = 'can-';

beforeAll(async () => {
  Runtime.install({ logger: new DefaultLogger('WARN') });
  env = await TestWorkflowEnvironment.createLocal({
    server: {
      executable: { type: 'existing-path', path: ensureTool(GO_TOOLS.temporal) },
      searchAttributes: Object.values(searchAttributes),
      extraArgs: ['--dynamic-config-value', `limit.historyCount.suggestContinueAsNew=${SUGGEST_CONTINUE_AS_NEW}`],
    },
  });
  workers = await Promise.all([
    Worker.create({
      connection: env.nativeConnection,
      taskQueue: taskQueue('core', prefix),
      workflowsPath: require.resolve('../../workflows'),
      activities: records,
    }),
    Worker.create({ connection: env.nativeConnection, taskQueue: taskQueue('payments', prefix), activities: payments }),
  ]);
  running = Promise.all(workers.map((w) => w.run()));
});

afterAll(async () => {
  workers?.forEach((w) => w.shutdown());
  await running;
  await env?.teardown();
});

/** The runs of one workflow id from `runId` on, following each continue-as-new to the next run. */
async function chainOfRuns(workflowId: string, runId: string): Promise<string[]> {
  const runs = [runId];
  for (;;) {
    const history = await env.client.workflow.getHandle(workflowId, runs[runs.length - 1]).fetchHistory();
    const last = history.events?.[history.events.length - 1];
    const next = last?.workflowExecutionContinuedAsNewEventAttributes?.newExecutionRunId;
    if (!next) return runs;
    runs.push(next);
  }
}

it('continues as new when the server suggests it, and still pays every instructor exactly once', async () => {
  const period = '2026-11-01';
  const handle = await env.client.workflow.start<typeof payoutRunWorkflow>('payoutRunWorkflow', {
    taskQueue: taskQueue('core', prefix),
    workflowId: payoutIds.run(prefix, period),
    args: [{ period, concurrency: 4, pageSize: 7 }],
  });
  const progress: PayoutRunProgress = await handle.result();

  const runs = await chainOfRuns(handle.workflowId, handle.firstExecutionRunId);
  expect(runs.length).toBeGreaterThan(1);
  expect(progress).toMatchObject({
    done: true,
    paid: INSTRUCTORS.length,
    paidCents: INSTRUCTORS.length * BALANCE_CENTS,
    failed: 0,
    alreadyHandled: 0,
    continuedAsNew: runs.length - 1,
  });
  expect(transfers.map((t) => t.instructorId).sort()).toEqual(INSTRUCTORS);
  expect(new Set(completed).size).toBe(INSTRUCTORS.length);
  expect(completed).toHaveLength(INSTRUCTORS.length);
});
