/**
 * `npm run bench:checkout [-- --quick] [--n 1000] [--concurrency 20]`
 *
 * Drives N purchases from the API call to the enrollment: POST /api/checkout/create (update-with-start of the
 * checkout workflow, Stripe session on stripe-mock) → a signed checkout.session.completed to
 * POST /api/webhooks/stripe (inbox + signal-with-start) → the workflow records the sale and starts escrow.
 * A purchase's latency ends when its workflow has completed (the enrollment exists).
 *
 * Baseline, measured in the same run: raw Temporal workflows with the same number of activities (no-ops) and
 * one signal, started and signalled by a client — the floor Temporal itself sets on this machine.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';
import { Client, Connection } from '@temporalio/client';
import { DefaultLogger, NativeConnection, Runtime, Worker } from '@temporalio/worker';
import { buildApi } from '../src/api/app';
import { loadConfig } from '../src/config';
import { closeDeps, connectTemporal, createDeps, type ApiDeps } from '../src/deps';
import { startEphemeralSystem } from '../src/stack/ephemeral';
import { type CheckoutResult, checkoutWorkflowId } from '../src/temporal/contracts/checkout';
import { escrowWorkflowId } from '../src/temporal/contracts/escrow';
import { checkoutSessionEvent, sign } from '../tests/support/stripe-webhooks';
import { createCourse, createUser, type FixtureUser } from '../tests/support/fixtures';
import { argNumber, printResult, printTable, quick, runConcurrent, summarize } from './lib';
import { baselinePaidSignal, type baselineCheckoutWorkflow } from './checkout-baseline.workflow';

/** The checkout workflow's happy path: createCheckoutSession + attachCheckoutSession before the payment signal, describePayment + fulfilCheckout after. */
const ACTIVITIES_BEFORE_SIGNAL = 2;
const ACTIVITIES_AFTER_SIGNAL = 2;

/** Runs before each measurement, not measured: JIT, caches and connection pools warm up. */
const WARMUP = 20;

const log = (line: string) => process.stderr.write(`[bench:checkout] ${line}\n`);

async function main(): Promise<void> {
  const n = argNumber('n', 1000, 40);
  const concurrency = argNumber('concurrency', 20, 20);
  log(`n=${n} concurrency=${concurrency}${quick ? ' (quick)' : ''}`);

  const system = await startEphemeralSystem(process.env, log, { LOG_LEVEL: 'error' });
  const config = loadConfig(system.env);
  const deps: ApiDeps = {
    ...createDeps({ ...config, LOG_LEVEL: 'error' }, 'bench'),
    temporal: await connectTemporal(config),
  };
  const handle = buildApi(deps).app.callback();
  const server = http.createServer((req, res) => void handle(req, res));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const escrows: string[] = [];
  let retries = 0;

  try {
    // --- data: one $79 course, N buyers -------------------------------------------------------
    const instructor = await createUser(deps.knex, config, 'instructor');
    const course = await createCourse(deps.knex, instructor.id, { priceCents: 7900 });
    const buyers: FixtureUser[] = [];
    const warmup = Math.min(WARMUP, n);
    for (let i = 0; i < n + warmup; i++) buyers.push(await createUser(deps.knex, config, 'student'));

    // --- baseline: raw workflows, same activity count, one signal -----------------------------
    const baseline = await runBaseline(config.TEMPORAL_ADDRESS, config.TEMPORAL_NAMESPACE, n, concurrency);
    log(`baseline: ${baseline.summary.n} workflows, p50 ${baseline.summary.p50} ms, p95 ${baseline.summary.p95} ms`);

    // --- checkout: API call → signed webhook → enrollment ------------------------------------
    const purchase = async (i: number) => {
      const buyer = buyers[i];
      const create = () =>
        fetch(`${base}/api/checkout/create`, {
          method: 'POST',
          headers: { ...buyer.auth, 'Content-Type': 'application/json' },
          body: JSON.stringify({ courseId: course.id }),
        });
      let res = await create();
      // As a client should: a 503 (session not ready while Temporal or Stripe is slow) is retried after Retry-After,
      // and the retry joins the same attempt. Retries count in the latency.
      for (let retry = 0; res.status === 503 && retry < 5; retry++) {
        retries++;
        await new Promise((r) => setTimeout(r, Number(res.headers.get('retry-after') ?? 1) * 1000));
        res = await create();
      }
      if (res.status !== 201 && res.status !== 200) throw new Error(`checkout ${i}: ${res.status} ${await res.text()}`);
      const checkout = (await res.json()) as { checkoutId: string; sessionId: string; netCents: number };
      const { payload, signature } = sign(
        checkoutSessionEvent('checkout.session.completed', {
          sessionId: checkout.sessionId,
          transactionId: checkout.checkoutId,
          amountSubtotalCents: checkout.netCents,
        }),
        { secret: config.STRIPE_WEBHOOK_SECRET },
      );
      const hook = await fetch(`${base}/api/webhooks/stripe`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', 'Stripe-Signature': signature },
        body: payload,
      });
      if (hook.status !== 200) throw new Error(`webhook ${i}: ${hook.status} ${await hook.text()}`);
      const result = (await deps.temporal.workflow
        .getHandle(checkoutWorkflowId(buyer.id, course.id, 1))
        .result()) as CheckoutResult;
      if (result.status !== 'completed') throw new Error(`checkout ${i} ended ${result.status}`);
      escrows.push(result.transactionId);
      if (escrows.length % Math.max(1, Math.round(n / 10)) === 0) log(`${escrows.length} purchases done`);
    };
    await runConcurrent(warmup, concurrency, (i) => purchase(n + i)); // warm-up, as for the baseline
    retries = 0;
    const started = performance.now();
    const latencies = await runConcurrent(n, concurrency, purchase);
    const wallMs = performance.now() - started;

    const enrolled = (
      await deps.knex('enrollments').where({ course_id: course.id, status: 'active' }).count<{ n: number }[]>('* as n')
    )[0].n;
    const completed = (
      await deps
        .knex('transactions')
        .where({ course_id: course.id, status: 'completed' })
        .count<{ n: number }[]>('* as n')
    )[0].n;
    if (enrolled !== n + warmup || completed !== n + warmup) {
      throw new Error(`expected ${n + warmup} enrollments and sales, found ${enrolled} and ${completed}`);
    }

    const checkout = summarize(latencies);
    const throughput = round((n / wallMs) * 1000);
    const baselineThroughput = round((n / baseline.wallMs) * 1000);
    printTable([
      { run: 'checkout (API → webhook → enrollment)', n, concurrency, 'throughput/s': throughput, ...ms(checkout) },
      {
        run: `baseline (raw workflow, ${ACTIVITIES_BEFORE_SIGNAL + ACTIVITIES_AFTER_SIGNAL} no-op activities + 1 signal)`,
        n,
        concurrency,
        'throughput/s': baselineThroughput,
        ...ms(baseline.summary),
      },
    ]);
    printResult({
      bench: 'checkout',
      metric: 'p95_ms',
      value: checkout.p95,
      baseline: baseline.summary.p95,
      goal: '<=3',
      extra: {
        n,
        concurrency,
        p50_ms: checkout.p50,
        baseline_p50_ms: baseline.summary.p50,
        throughput_per_s: throughput,
        baseline_throughput_per_s: baselineThroughput,
        verified_enrollments: enrolled - warmup,
        create_retries_after_503: retries,
      },
    });
  } finally {
    // Escrow timers run for days (and this branch may have no worker for them): leave the shared server tidy.
    await runConcurrent(escrows.length, 20, (i) =>
      deps.temporal.workflow
        .getHandle(escrowWorkflowId(escrows[i]))
        .terminate('bench cleanup')
        .catch(() => undefined),
    );
    server.close();
    await closeDeps(deps);
    await system.stop();
  }
}

async function runBaseline(address: string, namespace: string, n: number, concurrency: number) {
  Runtime.install({ logger: new DefaultLogger('WARN') });
  const queue = `bench-baseline-${process.pid}-${Date.now().toString(36)}`;
  const workerConnection = await NativeConnection.connect({ address });
  const worker = await Worker.create({
    connection: workerConnection,
    namespace,
    taskQueue: queue,
    workflowsPath: require.resolve('./checkout-baseline.workflow'),
    activities: { noop: async () => undefined },
  });
  const connection = await Connection.connect({ address });
  const client = new Client({ connection, namespace });
  const run = worker.runUntil(async () => {
    const one = async (i: number) => {
      const handle = await client.workflow.start<typeof baselineCheckoutWorkflow>('baselineCheckoutWorkflow', {
        taskQueue: queue,
        workflowId: `${queue}-${i}`,
        args: [ACTIVITIES_BEFORE_SIGNAL, ACTIVITIES_AFTER_SIGNAL],
      });
      await handle.signal(baselinePaidSignal);
      await handle.result();
    };
    await runConcurrent(Math.min(WARMUP, n), concurrency, one); // warm-up: bundle loaded, caches filled
    const started = performance.now();
    const latencies = await runConcurrent(n, concurrency, (i) => one(i + n));
    return { wallMs: performance.now() - started, summary: summarize(latencies) };
  });
  try {
    return await run;
  } finally {
    await connection.close();
    await workerConnection.close();
  }
}

function round(v: number): number {
  return Math.round(v * 10) / 10;
}

function ms(s: ReturnType<typeof summarize>) {
  return { 'p50 ms': s.p50, 'p95 ms': s.p95, 'p99 ms': s.p99, 'mean ms': s.mean };
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
