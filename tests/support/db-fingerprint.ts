import type { Knex } from 'knex';

/** Tables no request owns: the migration log, and the rate-limit counters every request spends. */
const ALWAYS_EXCLUDED = ['knex_migrations', 'knex_migrations_lock', 'rate_limits'];

/**
 * One digest per table over every row of every table in the public schema (but `exclude`): two equal
 * fingerprints mean no row was inserted, changed or deleted in between. Per table, so a difference can
 * name the tables that changed.
 */
export async function databaseFingerprint(knex: Knex, exclude: readonly string[] = []): Promise<Map<string, string>> {
  const tables: string[] = await knex('information_schema.tables')
    .where({ table_schema: 'public', table_type: 'BASE TABLE' })
    .whereNotIn('table_name', [...ALWAYS_EXCLUDED, ...exclude])
    .orderBy('table_name')
    .pluck('table_name');
  const digests = await Promise.all(
    tables.map(async (table) => {
      const { rows } = await knex.raw<{ rows: { digest: string }[] }>(
        `SELECT md5(coalesce(string_agg(x::text, '|' ORDER BY x::text), '')) AS digest FROM ?? x`,
        [table],
      );
      return [table, rows[0].digest] as const;
    }),
  );
  return new Map(digests);
}

/** The tables whose digest differs between two fingerprints. */
export function changedTables(before: Map<string, string>, after: Map<string, string>): string[] {
  const tables = new Set([...before.keys(), ...after.keys()]);
  return [...tables].filter((table) => before.get(table) !== after.get(table)).sort();
}
