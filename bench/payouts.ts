/**
 * `npm run bench:payouts [-- --quick] [--n 10000] [--rate 100] [--concurrency 200] [--shared-temporal]`
 *
 * A payout run is bounded by Stripe's request rate (100/s in live mode): N instructors need at least N / rate
 * seconds. This pays N seeded instructors (one released $79.00 sale each, $55.30 to pay) with the real run —
 * Schedule-less start, Temporal workflows, Postgres ledger, transfers to stripe-mock through the rate-limited
 * payments pool — and reports its duration against that floor (the figure; goal ≤ 1.5). For comparison, a bare
 * loop sends the same N transfers straight to stripe-mock at the same rate in the same session.
 *
 * Temporal is a private in-memory dev server unless --shared-temporal: a run of 10,000 payouts writes some
 * 150,000 history events, which on a shared file-backed dev server measures the neighbours more than the run
 * (and slows them down). Postgres and stripe-mock come from the environment when it names them.
 */
import fs from 'node:fs';
import os from 'node:os';
import { performance } from 'node:perf_hooks';
import { loadConfig } from '../src/config';
import { closeDeps, connectTemporal, createDeps } from '../src/deps';
import { payPeriodOf } from '../src/domain/time';
import { checkLedger } from '../src/ledger/check';
import { startPayoutRun } from '../src/payouts/run';
import { startEphemeralSystem } from '../src/stack/ephemeral';
import { payoutIds, payoutRunProgressQuery } from '../src/temporal/contracts/payouts';
import { seedPayees } from '../tests/support/payouts';
import { argNumber, printResult, printTable, quick } from './lib';

const GROSS_CENTS = 7900;
const SHARE_CENTS = 5530;

const log = (line: string) => process.stderr.write(`[bench:payouts] ${line}\n`);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Calls task(0..total-1) open-loop at `rate` per second (at most `inFlight` outstanding); returns the elapsed ms. */
async function paced(
  total: number,
  rate: number,
  inFlight: number,
  task: (i: number) => Promise<unknown>,
): Promise<number> {
  const start = performance.now();
  let next = 0;
  const lane = async () => {
    while (next < total) {
      const i = next++;
      const wait = start + (i * 1000) / rate - performance.now();
      if (wait > 0) await sleep(wait);
      await task(i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(inFlight, total) }, lane));
  return performance.now() - start;
}

/** CPU seconds (user + system) a process has used so far, from /proc (Linux); undefined elsewhere. */
function cpuSeconds(pid: number | undefined): number | undefined {
  try {
    const fields = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100; // utime, stime in clock ticks (USER_HZ = 100)
  } catch {
    return undefined;
  }
}

/** Our own child process running `name` (the private Temporal dev server), if any. */
function childPid(name: string): number | undefined {
  try {
    for (const entry of fs.readdirSync('/proc')) {
      if (!/^\d+$/.test(entry)) continue;
      const stat = fs.readFileSync(`/proc/${entry}/stat`, 'utf8');
      const [comm, rest] = [
        stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')')),
        stat.slice(stat.lastIndexOf(')') + 2),
      ];
      if (comm === name && Number(rest.split(' ')[1]) === process.pid) return Number(entry);
    }
  } catch {
    // not Linux: no CPU figures
  }
  return undefined;
}

async function main(): Promise<void> {
  const n = argNumber('n', 10_000, 1_000);
  const rate = argNumber('rate', 100, 100);
  const overrides: NodeJS.ProcessEnv = { STRIPE_REQUESTS_PER_SECOND: String(rate), LOG_LEVEL: 'warn' };
  if (process.argv.includes('--concurrency'))
    overrides.PAYOUT_RUN_CONCURRENCY = String(argNumber('concurrency', 200, 200));

  const baseEnv = { ...process.env };
  if (!process.argv.includes('--shared-temporal')) delete baseEnv.TEMPORAL_ADDRESS;
  log(`starting an ephemeral system (${quick ? 'quick, ' : ''}N=${n}, ${rate} Stripe requests/s)`);
  const system = await startEphemeralSystem(baseEnv, log, overrides);
  const config = loadConfig(system.env);
  const deps = createDeps(config, 'bench');
  const temporal = await connectTemporal(config);
  try {
    const seeded = performance.now();
    const instructorIds: string[] = [];
    for (let done = 0; done < n; done += 5000)
      instructorIds.push(
        ...(await seedPayees(deps.knex, { count: Math.min(5000, n - done), grossCents: GROSS_CENTS })),
      );
    log(`seeded ${n} instructors with a released sale in ${((performance.now() - seeded) / 1000).toFixed(1)}s`);
    const destinations = await deps
      .knex('users')
      .whereIn('id', instructorIds.slice(0, 1))
      .pluck('stripe_connect_account_id');

    log('bare loop: the same transfers straight to Stripe at the same rate');
    const tag = Date.now().toString(36);
    const bareMs = await paced(n, rate, 64, (i) =>
      deps.stripe.transfers.create(
        {
          amount: SHARE_CENTS,
          currency: 'usd',
          destination: destinations[0],
          transfer_group: `bench-${tag}-${i}`,
          metadata: { bench: tag },
        },
        { idempotencyKey: `bench-${tag}-${i}` },
      ),
    );

    log('payout run');
    const temporalPid = childPid('temporal');
    const cpuBefore = { worker: cpuSeconds(system.worker.pid), temporal: cpuSeconds(temporalPid) };
    const started = performance.now();
    const handle = await startPayoutRun(temporal, config, { period: payPeriodOf(new Date()) });
    const progress = setInterval(() => {
      handle
        .query(payoutRunProgressQuery)
        .then((p) => log(`  ${JSON.stringify(p).slice(0, 160)}`))
        .catch(() => undefined);
    }, 10_000);
    const result = await handle.result().finally(() => clearInterval(progress));
    const runMs = performance.now() - started;
    // CPU the run cost per payout: where the time goes when the machine, not Stripe's rate, is the limit.
    const cpuMsPerPayout = (pid: number | undefined, before: number | undefined) => {
      const after = cpuSeconds(pid);
      return after === undefined || before === undefined
        ? undefined
        : Math.round(((after - before) * 1000 * 10) / n) / 10;
    };
    const workerCpu = cpuMsPerPayout(system.worker.pid, cpuBefore.worker);
    const temporalCpu = cpuMsPerPayout(temporalPid, cpuBefore.temporal);

    const completed = await deps
      .knex('instructor_payouts')
      .whereIn('instructor_id', instructorIds)
      .where({ status: 'completed' })
      .count<{ n: number }[]>('* as n');
    const { violations } = await checkLedger(deps.knex, { instructorIds });
    if (result.paid !== n || completed[0].n !== n || violations.length > 0) {
      throw new Error(
        `run did not pay everyone exactly once: paid ${result.paid}, completed ${completed[0].n} of ${n}; ${violations
          .slice(0, 5)
          .map((v) => v.detail)
          .join('; ')}`,
      );
    }

    const floorS = n / rate;
    const runS = runMs / 1000;
    const bareS = bareMs / 1000;
    const round = (v: number) => Math.round(v * 100) / 100;
    printTable([
      { what: 'floor N / rate', seconds: round(floorS), 'per second': rate, 'ratio to floor': 1 },
      {
        what: 'bare transfer loop',
        seconds: round(bareS),
        'per second': round(n / bareS),
        'ratio to floor': round(bareS / floorS),
      },
      {
        what: 'payout run',
        seconds: round(runS),
        'per second': round(n / runS),
        'ratio to floor': round(runS / floorS),
      },
    ]);
    printResult({
      bench: 'payouts',
      metric: 'run_seconds',
      value: round(runS),
      baseline: round(floorS),
      goal: '<=1.5',
      extra: {
        n,
        rate,
        concurrency: config.PAYOUT_RUN_CONCURRENCY,
        bare_loop_seconds: round(bareS),
        bare_loop_ratio: round(bareS / floorS),
        run_vs_bare: round(runS / bareS),
        paid: result.paid,
        paid_cents: result.paidCents,
        continued_as_new: result.continuedAsNew,
        worker_cpu_ms_per_payout: workerCpu,
        temporal_cpu_ms_per_payout: temporalCpu,
        load_average_1m: Math.round(os.loadavg()[0] * 10) / 10,
        cores: os.cpus().length,
      },
    });
  } finally {
    await temporal.schedule
      .getHandle(payoutIds.schedule(config.TASK_QUEUE_PREFIX))
      .delete()
      .catch(() => undefined);
    await temporal.connection.close();
    await closeDeps(deps);
    await system.stop();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
