import { Counter, Registry, collectDefaultMetrics } from 'prom-client';

/**
 * The worker's own Prometheus series, served with the Temporal SDK's (task slots, poll and schedule latencies)
 * on the worker's health port (src/temporal/worker-health.ts).
 */
export const workerRegistry = new Registry();
collectDefaultMetrics({ register: workerRegistry });

export const salesRecorded = new Counter({
  name: 'edustream_sales_recorded_total',
  help: 'Paid checkouts recorded (first time only; replays of a recorded sale are not counted)',
  registers: [workerRegistry],
});

export const payoutsMade = new Counter({
  name: 'edustream_payouts_made_total',
  help: 'Instructor payout transfers sent to Stripe',
  registers: [workerRegistry],
});

export const payoutCents = new Counter({
  name: 'edustream_payout_cents_total',
  help: 'Cents transferred to instructors',
  registers: [workerRegistry],
});

export const ingestSeconds = new Counter({
  name: 'edustream_ingest_seconds_total',
  help: 'Seconds spent in ffmpeg by media activity (probe, thumbnail, transcode)',
  labelNames: ['step'] as const,
  registers: [workerRegistry],
});
