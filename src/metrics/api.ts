import type { Knex } from 'knex';
import type { Middleware } from 'koa';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/**
 * The API's Prometheus series (GET /metrics). One registry per process: every app instance in it counts into
 * the same series, as one scrape target should.
 */
export const apiRegistry = new Registry();
collectDefaultMetrics({ register: apiRegistry });

export const httpDuration = new Histogram({
  name: 'http_request_duration_seconds',
  help: 'HTTP request duration by route template, method and status',
  labelNames: ['method', 'route', 'status'] as const,
  buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
  registers: [apiRegistry],
});

export const httpInFlight = new Gauge({
  name: 'http_requests_in_flight',
  help: 'HTTP requests being served',
  registers: [apiRegistry],
});

export const rateLimitRefusals = new Counter({
  name: 'rate_limit_refusals_total',
  help: 'Requests refused with 429 by a rate-limit policy',
  labelNames: ['policy'] as const,
  registers: [apiRegistry],
});

export const webhookEvents = new Counter({
  name: 'stripe_webhook_events_total',
  help: 'Stripe webhook deliveries by outcome (processed, bad_signature, malformed, unavailable)',
  labelNames: ['outcome'] as const,
  registers: [apiRegistry],
});

/** Pools whose connections the DB gauges report, read at scrape time. */
const pools = new Set<Knex>();
const pool = (name: string, help: string, read: (p: PoolStats) => number) =>
  new Gauge({
    name,
    help,
    registers: [apiRegistry],
    collect() {
      this.set([...pools].reduce((n, knex) => n + read(poolOf(knex)), 0));
    },
  });
interface PoolStats {
  numUsed(): number;
  numFree(): number;
  numPendingAcquires(): number;
}
const poolOf = (knex: Knex) => (knex.client as { pool: PoolStats }).pool;
pool('db_pool_connections_used', 'Postgres connections in use', (p) => p.numUsed());
pool('db_pool_connections_free', 'Postgres connections idle in the pool', (p) => p.numFree());
pool('db_pool_acquires_pending', 'Queries waiting for a Postgres connection', (p) => p.numPendingAcquires());

export function watchPool(knex: Knex): void {
  pools.add(knex);
}

/** Times every request by its route template (never the raw path: ids would make one series per URL). */
export function requestMetrics(): Middleware {
  return async (ctx, next) => {
    if (ctx.path === '/metrics') return next();
    httpInFlight.inc();
    const end = httpDuration.startTimer();
    try {
      await next();
    } finally {
      httpInFlight.dec();
      const route = (ctx as { _matchedRoute?: string })._matchedRoute ?? 'unmatched';
      end({ method: ctx.method, route: String(route), status: String(ctx.status) });
    }
  };
}

/** GET /metrics in the Prometheus text format. */
export function metricsEndpoint(): Middleware {
  return async (ctx, next) => {
    if (ctx.path !== '/metrics' || ctx.method !== 'GET') return next();
    ctx.type = apiRegistry.contentType;
    ctx.set('Cache-Control', 'no-store');
    ctx.body = await apiRegistry.metrics();
  };
}
