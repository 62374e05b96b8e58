import { hashPassword } from '../accounts/passwords';
import { loadConfig } from '../config';
import { createKnex } from '../db/knex';
import { migrateLatest } from '../db/migrate';
import { progressBar } from '../seed/progress';
import { DEFAULT_SEED_NOW, seedEmailDomain, seedMarketplace } from '../seed/seed';
import { runMain } from './run-main';

const USAGE = `usage: npm run seed -- [--courses 5000] [--seed 1] [--now 2026-11-01T00:00:00Z] [--password 'seed-password']

Fills DATABASE_URL (migrated first) with a generated marketplace: --courses published courses (plus a few
drafts, courses in review and archived ones), instructors, students, lessons, sales, refunds, reviews and
progress. The same --seed and --now always produce the same data. Every generated user signs in with
--password, e.g. instructor-000001@${seedEmailDomain(1)}.`;

function option(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  if (i < 0) return undefined;
  const value = process.argv[i + 1];
  if (value === undefined || value.startsWith('--')) throw new Error(`--${name} needs a value\n\n${USAGE}`);
  return value;
}

function wholeNumber(name: string, fallback: number): number {
  const text = option(name);
  if (text === undefined) return fallback;
  const value = Number(text);
  if (!Number.isSafeInteger(value) || value < 0) throw new Error(`--${name} must be a whole number\n\n${USAGE}`);
  return value;
}

runMain(async () => {
  if (process.argv.includes('--help')) {
    console.log(USAGE);
    return;
  }
  const courses = wholeNumber('courses', 5000);
  const seed = wholeNumber('seed', 1);
  const nowText = option('now');
  const now = nowText === undefined ? DEFAULT_SEED_NOW : new Date(nowText);
  if (Number.isNaN(now.getTime())) throw new Error(`--now must be an ISO 8601 instant\n\n${USAGE}`);
  const password = option('password') ?? 'seed-password';

  const config = loadConfig();
  await migrateLatest(config.DATABASE_URL);
  const knex = createKnex(config.DATABASE_URL);
  const bar = progressBar();
  try {
    const summary = await seedMarketplace(
      knex,
      { courses, seed, now, passwordHash: await hashPassword(password) },
      bar,
    );
    bar.done();
    console.log(JSON.stringify(summary));
    console.log(`users sign in with password "${password}", e.g. instructor-000001@${seedEmailDomain(seed)}`);
  } finally {
    await knex.destroy();
  }
});
