import { loadConfig } from '../config';
import { connectTemporal, createS3 } from '../deps';
import { migrateLatest } from '../db/migrate';
import { applyBucketCors } from '../storage/bucket-cors';
import { ensureSchedules } from '../temporal/schedules';
import { registerSearchAttributes } from '../temporal/search-attributes';

/**
 * What must exist before the API and workers serve: the schema at the latest migration, the search attributes,
 * the bucket's CORS rule for browser uploads. Run by `npm run dev` and, at each deploy, by `npm run bootstrap`.
 */
export async function prepareStack(env: NodeJS.ProcessEnv, log: (line: string) => void): Promise<void> {
  const config = loadConfig(env);
  const applied = await migrateLatest(config.DATABASE_URL);
  log(applied.length ? `migrations applied: ${applied.length}` : 'database schema up to date');
  const temporal = await connectTemporal(config);
  try {
    await registerSearchAttributes(temporal, config.TEMPORAL_NAMESPACE);
    // The one owner of the Schedules in production (workers write them only in development).
    log(`schedules: ${(await ensureSchedules(temporal, config)).join(', ')}`);
  } finally {
    await temporal.connection.close();
  }
  const s3 = createS3(config);
  try {
    const rule = await applyBucketCors(s3, config);
    log(
      rule
        ? `bucket CORS: ${rule.AllowedOrigins?.join(', ')} (ETag exposed)`
        : 'bucket CORS: no browser origin configured',
    );
  } finally {
    s3.destroy();
  }
}
