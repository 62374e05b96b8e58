import { parseArgs } from 'node:util';
import { loadConfig } from '../config';
import { connectTemporal } from '../deps';
import { formatUsd } from '../domain/money';
import { isPayPeriod, payPeriodOf } from '../domain/time';
import { startPayoutRun, temporalUiLink } from '../payouts/run';
import { runMain } from './run-main';

const USAGE = `Usage: npm run payout-run -- [--period YYYY-MM-01] [--dry-run] [--wait]

Starts the instructor payout run for a month (default: the last month that has ended), or attaches to the
one already running for it. Running a month again pays only instructors not yet paid for it.
  --dry-run  count who would be paid and how much, paying nobody
  --wait     wait for the run to finish and print its summary`;

function fail(message: string): never {
  console.error(`payout-run: ${message}\n\n${USAGE}`);
  process.exit(2);
}

runMain(async () => {
  let values: { period?: string; 'dry-run'?: boolean; wait?: boolean; help?: boolean };
  try {
    ({ values } = parseArgs({
      options: {
        period: { type: 'string' },
        'dry-run': { type: 'boolean' },
        wait: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
    }));
  } catch (err) {
    fail(err instanceof Error ? err.message : String(err));
  }
  if (values.help) {
    console.log(USAGE);
    return;
  }
  const latest = payPeriodOf(new Date());
  const period = values.period ?? latest;
  if (!isPayPeriod(period)) fail(`--period must be the first day of a month, e.g. ${latest}`);
  if (period > latest) fail(`${period} has not ended; the latest period that can be paid is ${latest}`);

  const config = loadConfig();
  const client = await connectTemporal(config);
  try {
    const handle = await startPayoutRun(client, config, { period, dryRun: values['dry-run'] ?? false });
    console.log(`payout run ${period}: ${handle.workflowId} (run ${handle.firstExecutionRunId})`);
    console.log(`follow it in the Temporal UI: ${temporalUiLink(config, handle.workflowId)}`);
    if (values.wait) {
      const r = await handle.result();
      console.log(
        `${r.dryRun ? 'would pay' : 'paid'} ${r.paid} instructors ${formatUsd(r.paidCents)}; failed ${r.failed}; ` +
          `skipped without Connect ${r.skippedNoConnect}; below minimum ${r.notDue}; already handled ${r.alreadyHandled}`,
      );
      for (const f of r.failures) console.log(`  failed: instructor ${f.instructorId}: ${f.reason}`);
      if (r.failed > 0) process.exitCode = 1;
    }
  } finally {
    await client.connection.close();
  }
});
