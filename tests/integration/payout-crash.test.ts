/**
 * A payout run survives its worker being killed (`kill -9`) mid-run: after a restart every instructor is paid
 * exactly once. Runs on a system of its own (database, task queues, worker process — and a private in-memory
 * Temporal dev server, so a thousand payouts do not compete with every other test on the shared one).
 */
import type { Client } from '@temporalio/client';
import { loadConfig, type Config } from '../../src/config';
import { closeDeps, connectTemporal, createDeps, type Deps } from '../../src/deps';
import { checkLedger } from '../../src/ledger/check';
import { startPayoutRun } from '../../src/payouts/run';
import { startEphemeralSystem, type EphemeralSystem } from '../../src/stack/ephemeral';
import { payoutIds } from '../../src/temporal/contracts/payouts';
import { seedPayees } from '../support/payouts';

jest.setTimeout(600_000);

const INSTRUCTORS = 1000;
const SHARE_CENTS = 5530; // $79.00 sale
const PERIOD = '2026-10-01';

let system: EphemeralSystem;
let config: Config;
let deps: Deps;
let temporal: Client;

beforeAll(async () => {
  const log = (line: string) => process.stderr.write(`[payout-crash] ${line}\n`);
  system = await startEphemeralSystem({ ...process.env, TEMPORAL_ADDRESS: '' }, log);
  config = loadConfig(system.env);
  deps = createDeps(config, 'payout-crash-test');
  temporal = await connectTemporal(config);
});
afterAll(async () => {
  await temporal?.schedule
    .getHandle(payoutIds.schedule(config.TASK_QUEUE_PREFIX))
    .delete()
    .catch(() => undefined);
  await temporal?.connection.close();
  if (deps) await closeDeps(deps);
  await system?.stop();
});

const completedPayouts = async (ids: string[]) =>
  (
    await deps
      .knex('instructor_payouts')
      .whereIn('instructor_id', ids)
      .where({ status: 'completed' })
      .count<{ n: number }[]>('* as n')
  )[0].n;

async function until(what: string, check: () => Promise<boolean>, timeoutMs = 120_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

it(`pays each of ${INSTRUCTORS} instructors exactly once although the worker is killed mid-run and restarted`, async () => {
  const ids = await seedPayees(deps.knex, { count: INSTRUCTORS, grossCents: 7900 });
  const handle = await startPayoutRun(temporal, config, { period: PERIOD });

  await until('the first payouts', async () => (await completedPayouts(ids)) >= INSTRUCTORS / 10);
  const worker = system.worker;
  const exited = new Promise((resolve) => worker.once('exit', resolve));
  worker.kill('SIGKILL');
  await exited;
  const paidBeforeCrash = await completedPayouts(ids);
  expect(paidBeforeCrash).toBeLessThan(INSTRUCTORS);
  // Payouts the worker was in the middle of are left `processing`, their shares attached.
  const processing = await deps
    .knex('instructor_payouts')
    .whereIn('instructor_id', ids)
    .where({ status: 'processing' })
    .count<{ n: number }[]>('* as n');
  process.stderr.write(
    `[payout-crash] killed the worker with ${paidBeforeCrash} paid and ${processing[0].n} processing\n`,
  );

  await system.restartWorker();
  const summary = await handle.result();
  expect(summary).toMatchObject({
    period: PERIOD,
    paid: INSTRUCTORS,
    paidCents: INSTRUCTORS * SHARE_CENTS,
    failed: 0,
    done: true,
  });

  // Exactly once: one completed payout and one transfer per instructor, each audited and announced once.
  const payouts = await deps
    .knex('instructor_payouts')
    .whereIn('instructor_id', ids)
    .select('instructor_id', 'status', 'total_amount_cents', 'stripe_transfer_id');
  expect(payouts).toHaveLength(INSTRUCTORS);
  expect(new Set(payouts.map((p) => p.instructor_id)).size).toBe(INSTRUCTORS);
  expect(payouts.every((p) => p.status === 'completed' && p.total_amount_cents === SHARE_CENTS)).toBe(true);
  expect(new Set(payouts.map((p) => p.stripe_transfer_id)).size).toBe(INSTRUCTORS);
  const audits = await deps
    .knex('transaction_audit_logs')
    .join('instructor_payouts as p', 'p.id', 'transaction_audit_logs.payout_id')
    .whereIn('p.instructor_id', ids)
    .groupBy('action')
    .select('action', deps.knex.raw('count(*)::int as n'));
  expect(Object.fromEntries(audits.map((a) => [a.action, a.n]))).toEqual({
    payout_initiated: INSTRUCTORS,
    payout_completed: INSTRUCTORS,
  });
  expect(
    await deps
      .knex('notifications')
      .where({ kind: 'payout_completed' })
      .whereIn('user_id', ids)
      .count('* as n')
      .first(),
  ).toEqual({ n: INSTRUCTORS });
  expect(
    await deps
      .knex('revenue_records')
      .whereIn('instructor_id', ids)
      .whereNot({ status: 'paid' })
      .count('* as n')
      .first(),
  ).toEqual({ n: 0 });
  expect(await checkLedger(deps.knex, { instructorIds: ids })).toMatchObject({
    ok: true,
    violations: [],
    completedPayouts: INSTRUCTORS,
  });

  // Running the period again finds nobody left to pay.
  const again = await (await startPayoutRun(temporal, config, { period: PERIOD })).result();
  expect(again).toMatchObject({ paid: 0, failed: 0 });
  expect(await completedPayouts(ids)).toBe(INSTRUCTORS);
});
