/**
 * How a payout run orchestrates Stripe's failures. Real workflows, activities, worker wiring (createWorkers),
 * Temporal and Postgres — a database and task queues of its own — with one scripted part: Stripe, whose
 * answers (a refusal, a few server errors) stripe-mock cannot be made to give. The Stripe SDK talks to it over
 * HTTP exactly as it talks to Stripe.
 */
import { randomBytes } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { parse } from 'node:querystring';
import type { Client } from '@temporalio/client';
import { DefaultLogger, Runtime, type NativeConnection, type Worker } from '@temporalio/worker';
import { Client as PgClient } from 'pg';
import { loadConfig, type Config } from '../../src/config';
import { migrateLatest } from '../../src/db/migrate';
import { closeDeps, connectTemporal, createDeps, type Deps } from '../../src/deps';
import { checkLedger } from '../../src/ledger/check';
import { startPayoutRun } from '../../src/payouts/run';
import { createWorkers } from '../../src/temporal/worker';
import { clawBack, createPayee, sellCourse } from '../support/payouts';

jest.setTimeout(180_000);

/** Stripe's transfer endpoint, answering each destination from a script: statuses to return before succeeding. */
class ScriptedStripe {
  readonly requests: { destination: string; idempotencyKey: string | undefined }[] = [];
  readonly script = new Map<string, number[]>();
  private readonly server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString()));
    req.on('end', () => this.answer(req, body, res));
  });
  url = '';

  async start(): Promise<void> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  stop(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  private answer(req: http.IncomingMessage, body: string, res: http.ServerResponse): void {
    const send = (status: number, json: object) => {
      res.writeHead(status, {
        'Content-Type': 'application/json',
        'Request-Id': `req_${randomBytes(6).toString('hex')}`,
      });
      res.end(JSON.stringify(json));
    };
    if (req.method === 'GET' && req.url?.startsWith('/v1/transfers'))
      return send(200, { object: 'list', data: [], has_more: false, url: '/v1/transfers' });
    if (req.method !== 'POST' || req.url !== '/v1/transfers')
      return send(404, { error: { type: 'invalid_request_error', message: `no route ${req.url}` } });
    const form = parse(body);
    const destination = String(form.destination);
    const key = req.headers['idempotency-key'];
    this.requests.push({ destination, idempotencyKey: typeof key === 'string' ? key : undefined });
    const status = this.script.get(destination)?.shift() ?? 200;
    if (status === 400) {
      return send(400, {
        error: {
          type: 'invalid_request_error',
          code: 'insufficient_capabilities_for_transfer',
          message: 'Your destination account needs to have the transfers capability enabled.',
        },
      });
    }
    if (status >= 500) return send(status, { error: { type: 'api_error', message: 'An unknown error occurred' } });
    send(200, {
      id: `tr_${randomBytes(8).toString('hex')}`,
      object: 'transfer',
      amount: Number(form.amount),
      currency: form.currency,
      destination,
      transfer_group: form.transfer_group,
      metadata: { payout_id: form['metadata[payout_id]'] },
      reversed: false,
      amount_reversed: 0,
    });
  }
}

const stripe = new ScriptedStripe();
const dbName = `edustream_wf_${randomBytes(5).toString('hex')}`;
let config: Config;
let deps: Deps;
let temporal: Client;
let workers: Worker[];
let connection: NativeConnection;
let running: Promise<unknown>;

async function admin(sql: string): Promise<void> {
  const pg = new PgClient({ connectionString: process.env.DATABASE_URL });
  await pg.connect();
  try {
    await pg.query(sql);
  } finally {
    await pg.end();
  }
}

beforeAll(async () => {
  Runtime.install({ logger: new DefaultLogger('WARN') }); // the workers' state changes are not news here
  await stripe.start();
  await admin(`create database "${dbName}"`);
  const url = new URL(process.env.DATABASE_URL!);
  url.pathname = `/${dbName}`;
  await migrateLatest(url.toString());
  config = loadConfig({
    ...process.env,
    DATABASE_URL: url.toString(),
    STRIPE_API_BASE: stripe.url,
    TASK_QUEUE_PREFIX: `wf${randomBytes(4).toString('hex')}-`,
  });
  deps = createDeps(config, 'payout-failures-test');
  temporal = await connectTemporal(config);
  ({ workers, connection } = await createWorkers(deps, ['core', 'payments']));
  running = Promise.all(workers.map((w) => w.run()));
});
afterAll(async () => {
  for (const w of workers ?? []) w.shutdown();
  await running;
  await connection?.close();
  await temporal?.connection.close();
  if (deps) await closeDeps(deps);
  await stripe.stop();
  await admin(`drop database if exists "${dbName}" with (force)`);
});

it('fails a refused payout with the reason and releases it for a later month; retries server errors with one idempotency key', async () => {
  const refused = await createPayee(deps.knex, config);
  const flaky = await createPayee(deps.knex, config);
  const fine = await createPayee(deps.knex, config);
  // The refused instructor also owes a clawback, deducted from this payout and released with it.
  const refusedSales = await sellCourse(deps.knex, config, refused.id, { count: 3, grossCents: 7900 });
  const [earlier] = await deps
    .knex('instructor_payouts')
    .insert({
      instructor_id: refused.id,
      payout_period: '2026-01-01',
      gross_cents: 5530,
      total_amount_cents: 5530,
      status: 'completed',
      stripe_transfer_id: `tr_earlier_${randomBytes(4).toString('hex')}`,
      completed_at: deps.knex.fn.now(),
    })
    .returning<{ id: string }[]>('id');
  await deps
    .knex('revenue_records')
    .where({ id: refusedSales[0].revenueRecordId })
    .update({ status: 'paid', payout_id: earlier.id });
  const adjustmentId = await clawBack(deps.knex, refusedSales[0]);
  await sellCourse(deps.knex, config, flaky.id, { count: 1, grossCents: 7900 });
  await sellCourse(deps.knex, config, fine.id, { count: 1, grossCents: 7900 });
  stripe.script.set(refused.accountId!, [400]);
  stripe.script.set(flaky.accountId!, [503, 503, 500]);

  const summary = await (await startPayoutRun(temporal, config, { period: '2026-02-01' })).result();
  expect(summary).toMatchObject({ paid: 2, paidCents: 2 * 5530, failed: 1 });
  expect(summary.failures).toEqual([
    { instructorId: refused.id, reason: expect.stringContaining('transfers capability') },
  ]);

  const [failed] = await deps
    .knex('instructor_payouts')
    .where({ instructor_id: refused.id, payout_period: '2026-02-01' });
  expect(failed).toMatchObject({
    status: 'failed',
    gross_cents: 11060,
    adjustments_cents: 5530,
    total_amount_cents: 5530,
    stripe_transfer_id: null,
  });
  expect(failed.failure_reason).toMatch(/Stripe refused the transfer: .*transfers capability/);
  expect(
    await deps
      .knex('revenue_records')
      .whereIn(
        'id',
        refusedSales.slice(1).map((s) => s.revenueRecordId),
      )
      .pluck('payout_id'),
  ).toEqual([null, null]);
  expect(await deps.knex('revenue_adjustments').where({ id: adjustmentId }).first()).toMatchObject({
    status: 'outstanding',
    payout_id: null,
  });
  expect(
    await deps.knex('transaction_audit_logs').where({ payout_id: failed.id }).orderBy('created_at').pluck('action'),
  ).toEqual(['payout_initiated', 'payout_failed']);
  expect(await deps.knex('notifications').where({ user_id: refused.id, kind: 'payout_failed' }).first()).toMatchObject({
    payload: expect.objectContaining({ amountCents: 5530, reason: failed.failure_reason }),
  });

  const [flakyPayout] = await deps.knex('instructor_payouts').where({ instructor_id: flaky.id });
  expect(flakyPayout.status).toBe('completed');
  const flakyRequests = stripe.requests.filter((r) => r.destination === flaky.accountId);
  expect(flakyRequests.length).toBeGreaterThanOrEqual(4);
  expect(new Set(flakyRequests.map((r) => r.idempotencyKey))).toEqual(new Set([`payout-transfer-${flakyPayout.id}`]));
  expect(stripe.requests.filter((r) => r.destination === refused.accountId)).toHaveLength(1); // a refusal is not retried

  // Next month Stripe accepts: the released shares are paid, the clawback deducted then.
  const next = await (await startPayoutRun(temporal, config, { period: '2026-03-01' })).result();
  expect(next).toMatchObject({ paid: 1, failed: 0 });
  expect(
    await deps.knex('instructor_payouts').where({ instructor_id: refused.id, payout_period: '2026-03-01' }).first(),
  ).toMatchObject({
    status: 'completed',
    gross_cents: 11060,
    adjustments_cents: 5530,
    total_amount_cents: 5530,
  });
  expect(await deps.knex('revenue_adjustments').where({ id: adjustmentId }).first()).toMatchObject({
    status: 'applied',
  });
  expect(await checkLedger(deps.knex)).toMatchObject({ ok: true, violations: [] });
});
