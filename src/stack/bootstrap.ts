import { loadConfig } from '../config';
import { connectTemporal, createS3 } from '../deps';
import { migrateLatest } from '../db/migrate';
import { registerSearchAttributes } from '../temporal/search-attributes';
import { corsOrigins, ensureBucket } from './bucket';

/**
 * What must exist before the API and workers serve: the schema at the latest migration, the bucket (private,
 * with its upload CORS rule), the search attributes — unless an operator's script registers those
 * (`searchAttributes: false`, deploy/temporal-setup.sh).
 */
export async function prepareStack(
  env: NodeJS.ProcessEnv,
  log: (line: string) => void,
  opts: { searchAttributes?: boolean } = {},
): Promise<void> {
  const config = loadConfig(env);
  const applied = await migrateLatest(config.DATABASE_URL);
  log(applied.length ? `migrations applied: ${applied.length}` : 'database schema up to date');
  const s3 = createS3(config);
  try {
    for (const line of await ensureBucket(s3, config.S3_BUCKET, corsOrigins(env))) log(line);
  } finally {
    s3.destroy();
  }
  if (opts.searchAttributes === false) return;
  const temporal = await connectTemporal(config);
  try {
    await registerSearchAttributes(temporal, config.TEMPORAL_NAMESPACE);
  } finally {
    await temporal.connection.close();
  }
}
