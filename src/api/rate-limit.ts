import type { Knex } from 'knex';
import type { Pool } from 'pg';
import { RateLimiterPostgres, RateLimiterRes } from 'rate-limiter-flexible';
import type { AuthUser } from '../accounts/identity';
import { tooManyRequests } from '../problems/http-problem';

/**
 * Per-endpoint limits (spec MKT-030 and the endpoints' security checklists), per user — per IP when
 * anonymous — counted in Postgres so every API instance shares them. Admins are exempt.
 */
export const RATE_LIMIT_POLICIES = {
  general: { points: 60, duration: 60 },
  /** Login and registration: slows password guessing and sign-up spam per IP. */
  credentials: { points: 10, duration: 60 },
  search: { points: 120, duration: 60 },
  progress: { points: 120, duration: 60 },
  checkout: { points: 60, duration: 60 },
  couponValidate: { points: 60, duration: 60 },
  publish: { points: 10, duration: 60 },
  refund: { points: 10, duration: 60 },
  review: { points: 10, duration: 3600 },
  upload: { points: 20, duration: 3600 },
} as const;

export type RateLimitPolicy = keyof typeof RATE_LIMIT_POLICIES;

export interface RateLimiter {
  /** Counts one request; throws a 429 problem with Retry-After once the policy's budget is spent. */
  consume(policy: RateLimitPolicy, caller: { user?: AuthUser; ip: string }): Promise<void>;
}

/**
 * One policy's counters in the shared `rate_limits` table, reached through a knex instance or a pg Pool
 * (the search benchmark's bare run counts on a pool, exactly as the API does).
 */
export function postgresLimiter(
  store: { knex: Knex } | { pool: Pool },
  policy: RateLimitPolicy,
  keyPrefix: string = policy,
): RateLimiterPostgres {
  return new RateLimiterPostgres({
    ...('knex' in store
      ? { storeClient: store.knex, storeType: 'knex' }
      : { storeClient: store.pool, storeType: 'pool' }),
    tableName: 'rate_limits',
    tableCreated: true, // by migration
    clearExpiredByTimeout: false, // expired rows are reset on their next use; no timers in the API process (housekeeping deletes old ones)
    keyPrefix,
    ...RATE_LIMIT_POLICIES[policy],
  });
}

export function createRateLimiter(knex: Knex, enabled: boolean): RateLimiter {
  if (!enabled) return { consume: async () => undefined };
  const limiters = Object.fromEntries(
    Object.keys(RATE_LIMIT_POLICIES).map((policy) => [policy, postgresLimiter({ knex }, policy as RateLimitPolicy)]),
  ) as Record<RateLimitPolicy, RateLimiterPostgres>;

  return {
    async consume(policy, { user, ip }) {
      if (user?.role === 'admin') return;
      try {
        await limiters[policy].consume(user ? `user:${user.id}` : `ip:${ip}`);
      } catch (rejection) {
        if (rejection instanceof RateLimiterRes) {
          throw tooManyRequests('Too many requests, slow down', Math.max(1, rejection.msBeforeNext / 1000));
        }
        throw rejection;
      }
    },
  };
}
