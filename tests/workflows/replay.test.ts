/**
 * Determinism safety (DESIGN §7): histories of the escrow and refund workflows replay against the workflow
 * code without a non-determinism error —
 *  - histories committed in tests/workflows/histories/ (recorded from earlier code: a change that would break
 *    running workflows fails here; use `patched()` for such a change), among them the checkout's, recorded by
 *    tests/orchestration/checkout.test.ts and the ingest's by tests/workflows/ingest.test.ts;
 *  - histories recorded now from the dev server, one per path through the code.
 * `RECORD_HISTORIES=1 jest tests/workflows/replay.test.ts` rewrites the committed ones from this run.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Client } from '@temporalio/client';
import type { temporal } from '@temporalio/proto';
import { bundleWorkflowCode, DefaultLogger, Runtime, Worker, type WorkflowBundle } from '@temporalio/worker';
import type Stripe from 'stripe';
import { loadConfig } from '../../src/config';
import { refundWorkflowId } from '../../src/temporal/contracts/refund';
import { WORKFLOW_TYPES } from '../../src/temporal/contracts/workflow-types';
import { REPLAY_WORKER_NAME } from '../../src/temporal/shared';
import { refundWebhookHandlers } from '../../src/webhooks/refunds';
import type { WebhookHandler } from '../../src/webhooks/types';
import { startTestApi, type TestApi } from '../support/api';
import { historyFromJson, historyToJson } from '../support/histories';
import { escrowState, paymentIntentOf, saleWithEscrow, stripeEvent, type SaleScenario } from '../support/escrow';
import { waitFor } from '../support/wait-for';

jest.setTimeout(180_000);

type History = temporal.api.history.v1.IHistory;
const HISTORIES = path.join(__dirname, 'histories');

async function replay(bundle: WorkflowBundle, histories: { workflowId: string; history: History }[]) {
  const results = [];
  for await (const result of Worker.runReplayHistories(
    { workflowBundle: bundle, replayName: REPLAY_WORKER_NAME },
    histories,
  )) {
    results.push({
      workflowId: result.workflowId,
      error: result.error ? `${result.error.name}: ${result.error.message}` : null,
    });
  }
  return results;
}

describe('workflow replay', () => {
  const config = loadConfig(process.env);
  let t: TestApi;
  let bundle: WorkflowBundle;
  const recorded: Record<string, History> = {};

  beforeAll(async () => {
    // Replay workers log their life cycle at INFO; only problems matter here.
    Runtime.install({ logger: new DefaultLogger('WARN') });
    t = await startTestApi();
    bundle = await bundleWorkflowCode({ workflowsPath: require.resolve('../../workflows'), logger: quietLogger });
    await recordScenarios(t, config, recorded);
  });
  afterAll(() => t.close());

  it('replays every history recorded in this run (each path through escrow and refund)', async () => {
    expect(Object.keys(recorded).sort()).toEqual([
      'escrow-dispute-lost',
      'escrow-dispute-won',
      'escrow-refunded',
      'escrow-released',
      'refund-api',
      'refund-compensated',
      'refund-dispute-lost',
      'refund-stripe',
    ]);
    const results = await replay(
      bundle,
      Object.entries(recorded).map(([name, history]) => ({ workflowId: name, history })),
    );
    expect(results).toEqual(Object.keys(recorded).map((name) => ({ workflowId: name, error: null })));
    if (process.env.RECORD_HISTORIES === '1') {
      fs.mkdirSync(HISTORIES, { recursive: true });
      for (const [name, history] of Object.entries(recorded))
        fs.writeFileSync(path.join(HISTORIES, `${name}.json`), historyToJson(history));
    }
  });

  it('replays the committed histories', async () => {
    const files = fs.readdirSync(HISTORIES).filter((f) => f.endsWith('.json'));
    expect(files.length).toBeGreaterThanOrEqual(8);
    const histories = files.map((f) => ({
      workflowId: f,
      history: historyFromJson(fs.readFileSync(path.join(HISTORIES, f), 'utf8')),
    }));
    const results = await replay(bundle, histories);
    expect(results).toEqual(files.map((f) => ({ workflowId: f, error: null })));
  });

  it('holds a committed history for every workflow type', () => {
    const typesWithHistory = new Set(
      fs
        .readdirSync(HISTORIES)
        .filter((f) => f.endsWith('.json'))
        .map(
          (f) =>
            historyFromJson(fs.readFileSync(path.join(HISTORIES, f), 'utf8')).events?.[0]
              ?.workflowExecutionStartedEventAttributes?.workflowType?.name,
        ),
    );
    expect(WORKFLOW_TYPES.filter((type) => !typesWithHistory.has(type))).toEqual([]);
  });

  it('would notice a change: a history whose recorded step differs from the code fails to replay', async () => {
    const history = historyFromJson(historyToJson(recorded['escrow-released']));
    const scheduled = history.events?.find(
      (e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'releaseShare',
    );
    (scheduled?.activityTaskScheduledEventAttributes?.activityType as { name: string }).name = 'freezeShare';
    const [result] = await replay(bundle, [{ workflowId: 'tampered', history }]);
    expect(result.error).toMatch(/DeterminismViolationError|nondetermin/i);
  });
});

const quietLogger = { log() {}, trace() {}, debug() {}, info() {}, warn() {}, error() {} };

/** Runs each path through the two workflows on the dev server and keeps the histories. */
async function recordScenarios(
  t: TestApi,
  config: ReturnType<typeof loadConfig>,
  out: Record<string, History>,
): Promise<void> {
  const client: Client = t.deps.temporal;
  const knex = t.deps.knex;
  const deliver = (event: Stripe.Event) => (refundWebhookHandlers[event.type] as WebhookHandler)(t.deps, event);
  const history = (id: string) => client.workflow.getHandle(id).fetchHistory();
  const dispute = async (s: SaleScenario, type: 'charge.dispute.created' | 'charge.dispute.closed', status: string) =>
    deliver(
      stripeEvent(type, {
        id: `dp_${s.sale.transactionId}`,
        object: 'dispute',
        charge: null,
        payment_intent: await paymentIntentOf(knex, s.sale.transactionId),
        status,
      }),
    );
  const scenario = (holdMs: number) => saleWithEscrow(knex, config, client, { holdMs });
  const HOUR = 3_600_000;

  const released = await scenario(1000);
  await released.escrow.result();
  out['escrow-released'] = await history(released.escrow.workflowId);

  const refunded = await scenario(HOUR);
  expect(
    (await t.request.post(`/api/transactions/${refunded.sale.transactionId}/refund`).set(refunded.buyer.auth).send({}))
      .status,
  ).toBe(200);
  await refunded.escrow.result();
  out['escrow-refunded'] = await history(refunded.escrow.workflowId);
  out['refund-api'] = await history(refundWorkflowId(refunded.sale.transactionId));

  const refused = await scenario(HOUR);
  await knex('transactions').where({ id: refused.sale.transactionId }).update({ stripe_payment_intent_id: null });
  expect(
    (await t.request.post(`/api/transactions/${refused.sale.transactionId}/refund`).set(refused.buyer.auth).send({}))
      .status,
  ).toBe(502);
  await client.workflow.getHandle(refundWorkflowId(refused.sale.transactionId)).result();
  out['refund-compensated'] = await history(refundWorkflowId(refused.sale.transactionId));
  await refused.escrow.terminate('recorded');

  const dashboard = await scenario(HOUR);
  await deliver(
    stripeEvent('charge.refunded', {
      id: 'ch_x',
      object: 'charge',
      refunded: true,
      payment_intent: await paymentIntentOf(knex, dashboard.sale.transactionId),
      refunds: { data: [] },
    }),
  );
  await client.workflow.getHandle(refundWorkflowId(dashboard.sale.transactionId)).result();
  out['refund-stripe'] = await history(refundWorkflowId(dashboard.sale.transactionId));

  const won = await scenario(1500);
  await dispute(won, 'charge.dispute.created', 'needs_response');
  await waitFor(async () => ((await escrowState(won.escrow)).status === 'frozen' ? true : undefined), 'freeze');
  await dispute(won, 'charge.dispute.closed', 'won');
  await won.escrow.result();
  out['escrow-dispute-won'] = await history(won.escrow.workflowId);

  const lost = await scenario(HOUR);
  await dispute(lost, 'charge.dispute.created', 'needs_response');
  await waitFor(async () => ((await escrowState(lost.escrow)).status === 'frozen' ? true : undefined), 'freeze');
  await dispute(lost, 'charge.dispute.closed', 'lost');
  await lost.escrow.result();
  await client.workflow.getHandle(refundWorkflowId(lost.sale.transactionId)).result();
  out['escrow-dispute-lost'] = await history(lost.escrow.workflowId);
  out['refund-dispute-lost'] = await history(refundWorkflowId(lost.sale.transactionId));
}
