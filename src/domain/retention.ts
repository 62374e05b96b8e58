/**
 * How long the system keeps what it keeps for a while: the API's idempotency keys and what the hourly housekeeping
 * sweep (activities/housekeeping.ts) deletes once it has expired. The API and the sweep read the same numbers.
 */

/** The replay window the API promises for an `Idempotency-Key`. */
export const IDEMPOTENCY_TTL_HOURS = 24;

/**
 * An unfinished key older than this is treated as abandoned (the process died mid-request) and
 * may be taken over; without it a crash would block the key for the whole 24 h.
 */
export const IDEMPOTENCY_LEASE_SECONDS = 300;

/**
 * How long rows outlive their use, per swept table. "Now" is always the database's `now()`, never a worker's clock.
 *  - idempotency_keys: deleted once `expires_at` (claim + 24 h, the replay window the API promises) has passed,
 *    exactly when the API itself would forget the key — except a key still in progress under a live lease
 *    (`response_status` NULL, claimed or taken over less than IDEMPOTENCY_LEASE_SECONDS ago): its request may
 *    still be running and will write its response into that row.
 *  - rate_limits: deleted an hour after the counter's window ended (`expire`, ms since epoch). An expired
 *    counter counts nothing (the limiter resets it in place on the next request); the hour, as in
 *    rate-limiter-flexible's own sweeper, covers API clocks that are a little off (they write `expire`) and
 *    spares a returning visitor's row. A row with no `expire` (never expires) is kept.
 *  - stripe_events: the webhook inbox dedupes redeliveries by event id. Stripe retries a webhook for 3 days and
 *    keeps an event (retrievable, resendable) for 30; a handled event is deleted after 90 days, when nothing
 *    can deliver it again. An event never handled (`handled_at` NULL) is kept: it is a hand-over that failed.
 * Not swept: `notifications`. A sent row's `dedupe_key` is what stops a writer that runs again from mailing twice,
 * and some writers can run again long after (a payout run rerun for a past period, once Temporal has forgotten its
 * children, re-inserts `payout-connect-required:<instructor>:<period>`); there is no age after which that is safe.
 */
export const HOUSEKEEPING_RETENTION = {
  rateLimitGraceMs: 60 * 60 * 1000,
  stripeEventDays: 90,
} as const;
