import knexFactory, { Knex } from 'knex';
import { Model } from 'objection';
import path from 'node:path';
import pg from 'pg';

// BIGINT (count(*), sum of cents) comes back from pg as a string; our sums of cents fit in a JS number.
pg.types.setTypeParser(pg.types.builtins.INT8, (v) => Number(v));
// DATE columns stay plain 'YYYY-MM-DD' strings: no time zone shifts for calendar dates (pay periods).
pg.types.setTypeParser(pg.types.builtins.DATE, (v) => v);

export const migrationsDirectory = path.resolve(__dirname, '../../migrations');

export function knexConfig(databaseUrl: string): Knex.Config {
  return {
    client: 'pg',
    connection: databaseUrl,
    pool: { min: 0, max: 10 },
    migrations: { directory: migrationsDirectory, extension: 'ts', loadExtensions: ['.ts'] },
  };
}

/** Where knex reports what it sees (a pooled connection dropped, a deprecation); its default is console.log. */
export interface KnexLogger {
  debug(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

/** One knex pool per process; objection models are bound to it. */
export function createKnex(databaseUrl: string, logger?: KnexLogger): Knex {
  const text = (message: unknown) => (typeof message === 'string' ? message : JSON.stringify(message));
  // Command-line tools: a failed connection reaches the caller, which says where it tried (src/main/run-main.ts);
  // knex's own copy of it, with a stack trace, is left out, other warnings keep their first line.
  logger ??= {
    debug: () => undefined,
    warn: (message) => {
      if (!message.startsWith('Acquire connection error')) console.warn(`knex: ${message.split('\n')[0]}`);
    },
    error: (message) => console.error(`knex: ${message.split('\n')[0]}`),
  };
  const log: Knex.Config['log'] = {
    debug: (message) => logger.debug(text(message)),
    warn: (message) => logger.warn(text(message)),
    error: (message) => logger.error(text(message)),
    deprecate: (method, alternative) => logger.warn(`knex: ${method} is deprecated, use ${alternative}`),
  };
  const knex = knexFactory({ ...knexConfig(databaseUrl), log });
  Model.knex(knex);
  return knex;
}
