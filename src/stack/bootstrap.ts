import { loadConfig } from '../config';
import { connectTemporal } from '../deps';
import { migrateLatest } from '../db/migrate';
import { registerSearchAttributes } from '../temporal/search-attributes';

/** What must exist before the API and workers serve: the schema at the latest migration, the search attributes. */
export async function prepareStack(env: NodeJS.ProcessEnv, log: (line: string) => void): Promise<void> {
  const config = loadConfig(env);
  const applied = await migrateLatest(config.DATABASE_URL);
  log(applied.length ? `migrations applied: ${applied.length}` : 'database schema up to date');
  const temporal = await connectTemporal(config);
  try {
    await registerSearchAttributes(temporal, config.TEMPORAL_NAMESPACE);
  } finally {
    await temporal.connection.close();
  }
}
