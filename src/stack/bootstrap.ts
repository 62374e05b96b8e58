import { loadConfig } from '../config';
import { connectTemporal, createS3 } from '../deps';
import { migrateLatest } from '../db/migrate';
import { applyBucketCors } from '../storage/bucket-cors';
import { ensureSchedules } from '../temporal/schedules';
import { registerSearchAttributes } from '../temporal/search-attributes';
import { ensureBucket } from './bucket';

/**
 * What must exist before the API and workers serve: the schema at the latest migration, the bucket (private,
 * with its CORS rule for browser uploads), the search attributes and the Schedules — the search attributes
 * unless an operator's script registers them (`searchAttributes: false`, deploy/temporal-setup.sh). Run by
 * `npm run dev`, the test stacks and, at each deploy, `npm run bootstrap`.
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
    for (const line of await ensureBucket(s3, config.S3_BUCKET)) log(line);
    const rule = await applyBucketCors(s3, config);
    log(
      rule
        ? `bucket CORS: ${rule.AllowedOrigins?.join(', ')} (ETag exposed)`
        : 'bucket CORS: no browser origin configured',
    );
  } finally {
    s3.destroy();
  }
  const temporal = await connectTemporal(config);
  try {
    if (opts.searchAttributes !== false) await registerSearchAttributes(temporal, config.TEMPORAL_NAMESPACE);
    // The one owner of the Schedules in production (workers write them only in development).
    log(`schedules: ${(await ensureSchedules(temporal, config)).join(', ')}`);
  } finally {
    await temporal.connection.close();
  }
}
