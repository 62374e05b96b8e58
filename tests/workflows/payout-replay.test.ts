/**
 * Determinism guard (DESIGN §7): recorded histories of the payout workflows — a run with three instructors
 * (paid, paid after transfer retries, refused by Stripe) and two of its children — replay against today's
 * workflow code. A change that would break workflows already running fails here; guard it with `patched()`.
 * Re-record a history (histories/record.ts) only for a deliberate, patched change.
 */
import fs from 'node:fs';
import path from 'node:path';
import { temporal } from '@temporalio/proto';
import { DefaultLogger, Runtime, Worker } from '@temporalio/worker';
import { taskQueue } from '../../src/temporal/shared';

jest.setTimeout(120_000);

const dir = path.join(__dirname, 'histories');
const histories = [
  { file: 'payout-run.binpb', workflowId: 'wfd9e49dac-payout-run-2026-02-01' },
  { file: 'instructor-payout-retried.binpb', workflowId: 'payout-01e15ec8-c485-4772-b34c-8882589ee02f-2026-02-01' },
  { file: 'instructor-payout-refused.binpb', workflowId: 'payout-eab68132-e3e9-447c-9d66-b0ebd13aabc3-2026-02-01' },
];

beforeAll(() => {
  Runtime.install({ logger: new DefaultLogger('WARN') });
});

it('replays recorded payout histories without nondeterminism', async () => {
  // Workflows find the payments queue from their own (core) queue; the replay worker's default queue name,
  // 'fake_replay_queue-N', is not core-shaped. The SDK lets an explicit task queue through (it is not typed).
  const coreShapedQueue = { taskQueue: taskQueue('core', 'replay-') };
  const replayed = Worker.runReplayHistories(
    { workflowsPath: require.resolve('../../workflows'), ...coreShapedQueue },
    histories.map(({ file, workflowId }) => ({ workflowId, history: temporal.api.history.v1.History.decode(fs.readFileSync(path.join(dir, file))) })),
  );
  const results = [];
  for await (const result of replayed) results.push(result);
  expect(results.map((r) => [r.workflowId, r.error?.message])).toEqual(histories.map((h) => [h.workflowId, undefined]));
});
