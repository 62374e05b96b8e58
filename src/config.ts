import { z } from 'zod';

/**
 * All configuration comes from environment variables (documented in .env.example).
 * Parsed once; a bad value fails start-up with the variable's name.
 */
const duration = z.string().regex(/^\d+\s*(ms|s|m|h|d)$/, 'a duration such as 500ms, 30s, 5m, 2h or 7d');

const schema = z.object({
  NODE_ENV: z.string().default('development'),
  PORT: z.coerce.number().int().default(3000),
  PUBLIC_URL: z.string().url().optional(),
  DATABASE_URL: z.string().default('postgres://postgres:postgres@127.0.0.1:54329/edustream'),
  TEMPORAL_ADDRESS: z.string().default('127.0.0.1:7233'),
  TEMPORAL_NAMESPACE: z.string().default('default'),
  TEMPORAL_UI_URL: z.string().default('http://127.0.0.1:8233'),
  /** Prefix for task-queue names, so that several deployments (or test runs) can share one Temporal server. */
  TASK_QUEUE_PREFIX: z.string().default(''),
  WORKER_POOLS: z.string().default('core,payments,media'),
  MEDIA_CONCURRENCY: z.coerce.number().int().positive().default(2),
  JWT_SECRET: z.string().min(16).default('dev-only-secret-change-me-please'),
  JWT_TTL: duration.default('12h'),
  STRIPE_SECRET_KEY: z.string().default('sk_test_123'),
  STRIPE_WEBHOOK_SECRET: z.string().default('whsec_dev_secret'),
  /** Set to talk to stripe-mock (or any Stripe-compatible host): http://127.0.0.1:12111 */
  STRIPE_API_BASE: z.string().url().optional(),
  STRIPE_REQUESTS_PER_SECOND: z.coerce.number().positive().default(100),
  /** How long one Stripe request may take before the client gives up on it (and the activity's retry takes over). */
  STRIPE_TIMEOUT_MS: z.coerce.number().int().positive().default(20_000),
  /** Where Stripe sends an instructor after Connect onboarding, and when an onboarding link has expired. */
  CONNECT_RETURN_URL: z.string().url().optional(),
  CONNECT_REFRESH_URL: z.string().url().optional(),
  /** Instructors a payout run pays at once; enough to keep the Stripe request rate busy. */
  PAYOUT_RUN_CONCURRENCY: z.coerce.number().int().positive().default(200),
  S3_ENDPOINT: z.string().url().optional(),
  S3_REGION: z.string().default('us-east-1'),
  S3_BUCKET: z.string().default('edustream-course-videos'),
  S3_ACCESS_KEY_ID: z.string().default('S3RVER'),
  S3_SECRET_ACCESS_KEY: z.string().default('S3RVER'),
  FFMPEG_PATH: z.string().optional(),
  FFPROBE_PATH: z.string().optional(),
  // Lesson videos: what one upload, and one instructor, may ask of the media pool (refusals name the limit).
  VIDEO_MAX_DURATION: duration.default('4h'),
  /** 4K, in either orientation: the longer side at most 4096 px (DCI; UHD is 3840), the shorter at most 2160. */
  VIDEO_MAX_LONG_SIDE: z.coerce.number().int().positive().default(4096),
  VIDEO_MAX_SHORT_SIDE: z.coerce.number().int().positive().default(2160),
  VIDEO_MAX_FPS: z.coerce.number().positive().default(60),
  /** The whole file's average (video and audio): 100 Mbit/s is above any delivery codec at 4K60. */
  VIDEO_MAX_BITRATE_KBPS: z.coerce.number().int().positive().default(100_000),
  /** Videos of one instructor stored and being processed at once (a course's worth); more are refused (429) until one is done. */
  VIDEO_INGESTS_PER_INSTRUCTOR: z.coerce.number().int().positive().default(10),
  /** Tries of each media step (probe, thumbnail, renditions) of one ingest: a video that keeps failing stops costing. */
  VIDEO_INGEST_ATTEMPTS: z.coerce.number().int().min(1).max(10).default(3),
  ESCROW_HOLD: duration.default('7d'),
  /** How long a course listing's total is remembered per query, per instance; 0s counts every first page. */
  SEARCH_TOTAL_TTL: duration.default('30s'),
  /** How long a checkout waits for payment; its Stripe Checkout Session expires then (Stripe allows 30 min–24 h). */
  CHECKOUT_SESSION_TTL: duration.default('24h'),
  AUTO_APPROVE_COURSES: z
    .enum(['true', 'false'])
    .default('false')
    .transform((v) => v === 'true'),
  /** Per-endpoint request limits (MKT-030). Off only for load tests and test suites that share one client IP. */
  RATE_LIMITS_ENABLED: z
    .enum(['true', 'false'])
    .default('true')
    .transform((v) => v === 'true'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  SMTP_URL: z.string().optional(),
});

export type Config = z.infer<typeof schema>;

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = schema.safeParse(env);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`);
    throw new Error(`Invalid configuration:\n${lines.join('\n')}`);
  }
  return parsed.data;
}
