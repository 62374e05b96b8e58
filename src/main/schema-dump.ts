import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createKnex } from '../db/knex';
import { migrateLatest } from '../db/migrate';
import { dumpSchema } from '../db/schema-dump';
import { freePort, startPostgres } from '../stack/services';
import { runMain } from './run-main';

const SCHEMA_FILE = path.join(__dirname, '..', '..', 'docs', 'schema.sql');

/** `npm run schema:dump`: migrates a throw-away Postgres and writes its schema to docs/schema.sql. */
runMain(async () => {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'edustream-schema-'));
  const postgres = await startPostgres({ dataDir, port: await freePort(), persistent: false, database: 'schema' });
  try {
    const url = postgres.env.DATABASE_URL;
    await migrateLatest(url);
    const knex = createKnex(url);
    try {
      fs.writeFileSync(SCHEMA_FILE, await dumpSchema(knex));
    } finally {
      await knex.destroy();
    }
    console.log(`wrote ${path.relative(process.cwd(), SCHEMA_FILE)}`);
  } finally {
    await postgres.stop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
});
