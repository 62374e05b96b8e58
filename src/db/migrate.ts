import { createKnex } from './knex';

/** Brings the database at `databaseUrl` to the latest migration. */
export async function migrateLatest(databaseUrl: string): Promise<string[]> {
  const knex = createKnex(databaseUrl);
  try {
    const [, applied] = (await knex.migrate.latest()) as [number, string[]];
    return applied;
  } finally {
    await knex.destroy();
  }
}
