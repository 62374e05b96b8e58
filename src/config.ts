import dotenv from 'dotenv';
import { z } from 'zod';

/**
 * All configuration comes from environment variables (documented in .env.example), and from `.env` in the
 * working directory for variables the environment does not set. Parsed once; every bad value fails start-up
 * with the variable's name. In production (NODE_ENV=production) no development default applies: the secrets,
 * the database and the public URL must be given, and the development placeholders are refused.
 */
const duration = z.string().regex(/^\d+\s*(ms|s|m|h|d)$/, 'a duration such as 500ms, 30s, 5m, 2h or 7d');

const schema = z.object({
  NODE_ENV: z.string().default('development'),
  PORT: z.coerce.number().int().default(3000),
  PUBLIC_URL: z.string().url().optional(),
  /** Base URL of the web app people use: every link built for a person (Checkout success/cancel, e-mails) starts here. */
  FRONTEND_URL: z.string().url().optional(),
  /**
   * Which peers may tell us the client's address (X-Forwarded-For): false (none: the socket's address is the
   * client), true (any: the API is reachable only through the proxy), or a comma-separated list of proxy
   * addresses/CIDRs (10.0.0.0/8,::1). Rate limits and audit rows use the address this yields.
   */
  TRUST_PROXY: z.string().default('false'),
  /** The header a trusted proxy puts the client's address in. */
  PROXY_IP_HEADER: z.string().default('X-Forwarded-For'),
  /** How many trusted proxies append to that header (Koa maxIpsCount): the client is that many entries from the end. */
  PROXY_HOPS: z.coerce.number().int().positive().default(1),
  /** Browser origins allowed to call the API (comma-separated, e.g. https://edustream.example); empty: none. */
  CORS_ORIGINS: z.string().default(''),
  DATABASE_URL: z.string().optional(),
  TEMPORAL_ADDRESS: z.string().default('127.0.0.1:7233'),
  TEMPORAL_NAMESPACE: z.string().default('default'),
  TEMPORAL_UI_URL: z.string().default('http://127.0.0.1:8233'),
  /** Prefix for task-queue names, so that several deployments (or test runs) can share one Temporal server. */
  TASK_QUEUE_PREFIX: z.string().default(''),
  WORKER_POOLS: z.string().default('core,payments,media'),
  MEDIA_CONCURRENCY: z.coerce.number().int().positive().default(2),
  JWT_SECRET: z.string().min(16).optional(),
  JWT_TTL: duration.default('12h'),
  STRIPE_SECRET_KEY: z.string().optional(),
  STRIPE_WEBHOOK_SECRET: z.string().optional(),
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
  /** Static S3 keys; in production leave both unset to use the AWS default credential chain (IAM role, profile). */
  S3_ACCESS_KEY_ID: z.string().optional(),
  S3_SECRET_ACCESS_KEY: z.string().optional(),
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
  /** After SIGTERM the API answers /readyz with 503 this long (so the load balancer stops sending) before closing. */
  SHUTDOWN_DRAIN: duration.default('0s'),
  /** Port of the worker's health and metrics endpoint (/healthz, /metrics); unset: none. */
  WORKER_HEALTH_PORT: z.coerce.number().int().positive().optional(),
  /** Where the Temporal SDK's own Prometheus exporter listens (host:port), merged into the worker's /metrics. */
  TEMPORAL_METRICS_BIND: z.string().optional(),
  /**
   * How long a stopping worker lets running activities finish before cancelling them, per pool (the SDK's default,
   * 0, would cancel every ffmpeg job at each deploy). The worker is forced down SHUTDOWN_FORCE_AFTER later.
   */
  SHUTDOWN_GRACE_CORE: duration.default('30s'),
  SHUTDOWN_GRACE_PAYMENTS: duration.default('1m'),
  SHUTDOWN_GRACE_MEDIA: duration.default('15m'),
  SHUTDOWN_FORCE_AFTER: duration.default('30s'),
  /** Prebuilt workflow bundle (npm run build:workflows); production requires one, development bundles at start. */
  WORKFLOW_BUNDLE_PATH: z.string().optional(),
  /** Whether this worker writes the Schedules at start (development); in production `npm run bootstrap` owns them. */
  WRITE_SCHEDULES: z.enum(['true', 'false']).optional(),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  SMTP_URL: z.string().optional(),
});

/** What development runs on when a value is not set; production refuses every one of them. */
export const DEV_DEFAULTS = {
  DATABASE_URL: 'postgres://postgres:postgres@127.0.0.1:54329/edustream',
  JWT_SECRET: 'dev-only-secret-change-me-please',
  STRIPE_SECRET_KEY: 'sk_test_123',
  STRIPE_WEBHOOK_SECRET: 'whsec_dev_secret',
  S3_ACCESS_KEY_ID: 'S3RVER',
  S3_SECRET_ACCESS_KEY: 'S3RVER',
} as const;

type Parsed = z.infer<typeof schema>;

export type Config = Omit<Parsed, 'DATABASE_URL' | 'JWT_SECRET' | 'STRIPE_SECRET_KEY' | 'STRIPE_WEBHOOK_SECRET'> & {
  DATABASE_URL: string;
  JWT_SECRET: string;
  STRIPE_SECRET_KEY: string;
  STRIPE_WEBHOOK_SECRET: string;
  /** NODE_ENV=production: the rules in productionProblems() hold, and no development service is started or used. */
  isProduction: boolean;
};

/** A configuration that cannot be used; `problems` has one line per variable (the entry points print them, exit 2). */
export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid configuration:\n${problems.map((p) => `  ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/** CORS_ORIGINS as a list; an empty setting allows no other origin. */
export function corsOrigins(config: Pick<Config, 'CORS_ORIGINS'>): string[] {
  return config.CORS_ORIGINS.split(',')
    .map((o) => o.trim().replace(/\/+$/, ''))
    .filter(Boolean);
}

/** A JWT secret must carry at least 32 bytes of randomness (e.g. `openssl rand -base64 32`). */
const MIN_JWT_SECRET_BYTES = 32;
/** Estimated bits (Shannon entropy of the text times its length): refuses repetitive or dictionary-like secrets. */
const MIN_JWT_SECRET_BITS = 128;
/** Stripe secret (sk_) or restricted (rk_) keys, live or test mode; the placeholder is far shorter. */
const STRIPE_KEY = /^(sk|rk)_(live|test)_[A-Za-z0-9]{20,}$/;
const STRIPE_WEBHOOK_SECRET = /^whsec_[A-Za-z0-9+/=]{20,}$/;

function estimatedBits(text: string): number {
  const counts = new Map<string, number>();
  for (const ch of text) counts.set(ch, (counts.get(ch) ?? 0) + 1);
  let perChar = 0;
  for (const n of counts.values()) perChar -= (n / text.length) * Math.log2(n / text.length);
  return perChar * text.length;
}

/** Every reason this configuration is unsafe in production, one line each (empty when it is fine). */
export function productionProblems(c: Parsed): string[] {
  const problems: string[] = [];
  const refuse = (name: string, why: string) => problems.push(`${name}: ${why}`);

  if (!c.JWT_SECRET) refuse('JWT_SECRET', 'required in production (generate one: openssl rand -base64 32)');
  else if (c.JWT_SECRET === DEV_DEFAULTS.JWT_SECRET)
    refuse('JWT_SECRET', 'is the development default; anyone can sign tokens with it');
  else if (Buffer.byteLength(c.JWT_SECRET) < MIN_JWT_SECRET_BYTES || estimatedBits(c.JWT_SECRET) < MIN_JWT_SECRET_BITS)
    refuse('JWT_SECRET', `needs at least ${MIN_JWT_SECRET_BYTES} random bytes (openssl rand -base64 32)`);

  if (!c.STRIPE_WEBHOOK_SECRET)
    refuse('STRIPE_WEBHOOK_SECRET', "required in production (the endpoint's whsec_… signing secret)");
  else if (
    c.STRIPE_WEBHOOK_SECRET === DEV_DEFAULTS.STRIPE_WEBHOOK_SECRET ||
    !STRIPE_WEBHOOK_SECRET.test(c.STRIPE_WEBHOOK_SECRET)
  )
    refuse(
      'STRIPE_WEBHOOK_SECRET',
      "must be the webhook endpoint's signing secret (whsec_…), not the development default",
    );

  if (!c.STRIPE_SECRET_KEY) refuse('STRIPE_SECRET_KEY', 'required in production (sk_live_…, sk_test_… or rk_…)');
  else if (c.STRIPE_SECRET_KEY === DEV_DEFAULTS.STRIPE_SECRET_KEY || !STRIPE_KEY.test(c.STRIPE_SECRET_KEY))
    refuse(
      'STRIPE_SECRET_KEY',
      'must be a Stripe secret or restricted key (sk_live_…, sk_test_…, rk_…), not the placeholder',
    );

  if (!c.DATABASE_URL) refuse('DATABASE_URL', 'required in production');
  else if (c.DATABASE_URL === DEV_DEFAULTS.DATABASE_URL)
    refuse('DATABASE_URL', "is the development default (the embedded Postgres with password 'postgres')");

  const keys = [c.S3_ACCESS_KEY_ID, c.S3_SECRET_ACCESS_KEY];
  if (keys.some((k) => k === DEV_DEFAULTS.S3_ACCESS_KEY_ID))
    refuse(
      'S3_ACCESS_KEY_ID',
      'the development keys (S3RVER) are refused; set real keys, or neither to use the AWS default credential chain',
    );
  else if (keys.filter(Boolean).length === 1)
    refuse(
      'S3_ACCESS_KEY_ID',
      'S3_ACCESS_KEY_ID and S3_SECRET_ACCESS_KEY go together; set both, or neither for the AWS default credential chain',
    );

  if (!c.PUBLIC_URL)
    refuse('PUBLIC_URL', "required in production (the API's public base URL, e.g. https://api.example.com)");
  if (!c.FRONTEND_URL)
    refuse('FRONTEND_URL', 'required in production (the web app people are sent to, e.g. https://edustream.example)');
  return problems;
}

/**
 * A link built for a person (Stripe Checkout success/cancel, Connect onboarding return, e-mails): the web app
 * at FRONTEND_URL (required in production); in development, without it, the API's own address.
 */
export function frontendUrl(
  config: Pick<Config, 'FRONTEND_URL' | 'PUBLIC_URL' | 'PORT'>,
  pathAndQuery: string,
): string {
  const base = config.FRONTEND_URL ?? config.PUBLIC_URL ?? `http://localhost:${config.PORT}`;
  return `${base.replace(/\/+$/, '')}${pathAndQuery}`;
}

/** Reads `.env` (for variables the environment does not set), as every entry point does before loadConfig(). */
export function loadEnvFile(): void {
  dotenv.config({ quiet: true });
}

/**
 * Parses and checks the configuration. Without an argument it reads process.env after `.env`; a caller
 * that passes an environment (tests, the dev stack) gets exactly that environment.
 */
export function loadConfig(env?: NodeJS.ProcessEnv): Config {
  if (!env) loadEnvFile();
  const parsed = schema.safeParse(env ?? process.env);
  if (!parsed.success) throw new ConfigError(parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`));
  const c = parsed.data;
  const isProduction = c.NODE_ENV === 'production';
  if (isProduction) {
    const problems = productionProblems(c);
    if (problems.length) throw new ConfigError(problems);
  }
  const dev = isProduction ? undefined : DEV_DEFAULTS;
  return {
    ...c,
    isProduction,
    DATABASE_URL: c.DATABASE_URL ?? DEV_DEFAULTS.DATABASE_URL,
    // In production these were checked above; outside it the development values fill the gaps.
    JWT_SECRET: c.JWT_SECRET ?? DEV_DEFAULTS.JWT_SECRET,
    STRIPE_SECRET_KEY: c.STRIPE_SECRET_KEY ?? DEV_DEFAULTS.STRIPE_SECRET_KEY,
    STRIPE_WEBHOOK_SECRET: c.STRIPE_WEBHOOK_SECRET ?? DEV_DEFAULTS.STRIPE_WEBHOOK_SECRET,
    S3_ACCESS_KEY_ID: c.S3_ACCESS_KEY_ID ?? dev?.S3_ACCESS_KEY_ID,
    S3_SECRET_ACCESS_KEY: c.S3_SECRET_ACCESS_KEY ?? dev?.S3_SECRET_ACCESS_KEY,
  };
}
