import { loadConfig } from '../config';
import { createKnex } from '../db/knex';
import { checkLedger, formatLedgerReport } from '../ledger/check';
import { runMain } from './run-main';

/**
 * `npm run verify [-- --instructor <id> ...] [--json]`: checks the money invariants (DESIGN §3) over the
 * database and prints a report; exits 1 on any violation.
 */
runMain(async () => {
  const config = loadConfig();
  const instructorIds = process.argv.flatMap((arg, i) =>
    arg === '--instructor' && process.argv[i + 1] ? [process.argv[i + 1]] : [],
  );
  const knex = createKnex(config.DATABASE_URL);
  try {
    const report = await checkLedger(knex, instructorIds.length ? { instructorIds } : {});
    console.log(process.argv.includes('--json') ? JSON.stringify(report) : formatLedgerReport(report));
    if (!report.ok) process.exitCode = 1;
  } finally {
    await knex.destroy();
  }
});
