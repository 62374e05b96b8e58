import type { ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { loadConfig } from '../../src/config';
import { freePort } from '../../src/stack/services';
import { spawnEntry, stopProcess } from '../../src/stack/processes';
import { scheduleDefinitions } from '../../src/temporal/schedules';
import { startTestApi, type TestApi } from '../support/api';
import { completeCheckout, type CheckoutAnswer } from '../support/checkout';
import { createCourse, createUser } from '../support/fixtures';
import { checkoutSessionEvent, deliver } from '../support/stripe-webhooks';

/**
 * /metrics of the API and of a real worker process (`npm run worker` with WORKER_HEALTH_PORT and the SDK's
 * Prometheus exporter) after one purchase. The worker serves task queues of its own (a prefix), so the
 * purchase runs on it and not on the suite's shared worker.
 */
describe('Prometheus metrics', () => {
  const prefix = `metrics-${randomUUID().slice(0, 8)}-`;
  let api: TestApi;
  let worker: ChildProcess;
  let workerUrl: string;
  beforeAll(async () => {
    const [healthPort, sdkPort] = [await freePort(), await freePort()];
    workerUrl = `http://127.0.0.1:${healthPort}`;
    worker = spawnEntry('worker.ts', ['--pools', 'core,payments'], {
      ...process.env,
      TASK_QUEUE_PREFIX: prefix,
      WORKER_HEALTH_PORT: String(healthPort),
      TEMPORAL_METRICS_BIND: `127.0.0.1:${sdkPort}`,
      LOG_LEVEL: 'warn',
    });
    api = await startTestApi({ env: { TASK_QUEUE_PREFIX: prefix } });
    for (let i = 0; i < 240; i++) {
      const ok = await fetch(`${workerUrl}/healthz`).then(
        (r) => r.ok,
        () => false,
      );
      if (ok) return;
      await new Promise((r) => setTimeout(r, 250));
    }
    throw new Error('the worker health endpoint never answered 200');
  });
  afterAll(async () => {
    await stopProcess(worker);
    const config = loadConfig({ ...process.env, TASK_QUEUE_PREFIX: prefix });
    for (const s of scheduleDefinitions(config))
      await api.deps.temporal.schedule
        .getHandle(s.scheduleId)
        .delete()
        .catch(() => undefined);
    await api.close();
  });

  it('exposes the named series on the API and on the worker after a purchase', async () => {
    const { knex, config } = api.deps;
    const instructor = await createUser(knex, config, 'instructor');
    const course = await createCourse(knex, instructor.id, { priceCents: 7900 });
    const buyer = await createUser(knex, config, 'student');
    const res = await api.request.post('/api/checkout/create').set(buyer.auth).send({ courseId: course.id });
    expect(res.status).toBe(201);
    const checkout = res.body as CheckoutAnswer;
    await completeCheckout(api, checkout, 7900);
    // A refused (forged) webhook, for the outcome series below.
    const forged = checkoutSessionEvent('checkout.session.completed', {
      sessionId: checkout.sessionId,
      transactionId: checkout.checkoutId,
      amountSubtotalCents: 7900,
    });
    expect((await deliver(api.request, forged, { secret: 'whsec_not_the_one_configured_0000' })).status).toBe(401);

    const apiMetrics = await api.request.get('/metrics');
    expect(apiMetrics.status).toBe(200);
    expect(apiMetrics.headers['content-type']).toMatch(/^text\/plain/);
    const a = apiMetrics.text;
    expect(a).toMatch(
      /^http_request_duration_seconds_count\{method="POST",route="\/api\/checkout\/create",status="201"\} [1-9]/m,
    );
    expect(a).toMatch(/^http_request_duration_seconds_bucket\{.*route="\/api\/webhooks\/stripe",status="200"/m);
    expect(a).toMatch(/^http_requests_in_flight \d+/m);
    expect(a).toMatch(/^db_pool_connections_used \d+/m);
    expect(a).toMatch(/^db_pool_connections_free \d+/m);
    expect(a).toMatch(/^db_pool_acquires_pending \d+/m);
    expect(a).toMatch(/^# TYPE rate_limit_refusals_total counter/m);
    expect(a).toMatch(/^stripe_webhook_events_total\{outcome="bad_signature"\} [1-9]/m);
    expect(a).toMatch(/^stripe_webhook_events_total\{outcome="handled"\} [1-9]/m);

    const w = await fetch(`${workerUrl}/metrics`).then((r) => r.text());
    expect(w).toMatch(/^edustream_sales_recorded_total [1-9]/m);
    expect(w).toMatch(/^# TYPE edustream_payouts_made_total counter/m);
    expect(w).toMatch(/^# TYPE edustream_ingest_seconds_total counter/m);
    // The Temporal SDK's own series, from its Prometheus exporter.
    expect(w).toMatch(/^temporal_workflow_completed\S* \d+/m);
    expect(w).toMatch(/^temporal_activity_execution_latency\S*/m);
  });
});
