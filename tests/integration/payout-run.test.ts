/**
 * The monthly payout run against the real parts: the worker started by the jest global setup runs the
 * workflows, stripe-mock takes the transfers, Postgres holds the ledger. Spec MKT-020 and DESIGN §3/§4.
 * Runs are started as operators start them (POST /api/admin/payout-runs); a run pays every due instructor
 * in the database, so each test asserts on its own instructors.
 */
import { randomUUID } from 'node:crypto';
import type { Client } from '@temporalio/client';
import type { Knex } from 'knex';
import { loadConfig } from '../../src/config';
import { nextPayoutRunAt } from '../../src/domain/time';
import { checkLedger } from '../../src/ledger/check';
import { payoutScheduleOptions } from '../../src/payouts/run';
import { payoutIds, type PayoutRunProgress } from '../../src/temporal/contracts/payouts';
import { payoutWebhookHandlers } from '../../src/webhooks/payouts';
import { startTestApi, type TestApi } from '../support/api';
import { createUser, type FixtureUser } from '../support/fixtures';
import { stripeEvent } from '../support/escrow';
import { createPayee, sellCourse } from '../support/payouts';

jest.setTimeout(120_000);

const config = loadConfig(process.env);
let api: TestApi;
let knex: Knex;
let temporal: Client;
let admin: FixtureUser;
const instructors: string[] = [];

beforeAll(async () => {
  api = await startTestApi();
  ({ knex, temporal } = api.deps);
  admin = await createUser(knex, config, 'admin');
});
afterAll(async () => {
  // The money invariants (DESIGN §3) hold for every sale and payout these tests made.
  const ledger = await checkLedger(knex, { instructorIds: instructors });
  expect(ledger.violations).toEqual([]);
  expect(ledger).toMatchObject({ ok: true, unaccountedCents: 0 });
  // The test worker's Schedule would outlive this run on a shared Temporal server, firing into a dead queue.
  await temporal.schedule
    .getHandle(payoutIds.schedule(config.TASK_QUEUE_PREFIX))
    .delete()
    .catch(() => undefined);
  await api?.close();
});

async function payee(opts: { connected?: boolean } = {}) {
  const instructor = await createPayee(knex, config, opts);
  instructors.push(instructor.id);
  return instructor;
}

async function run(period: string): Promise<PayoutRunProgress> {
  const res = await api.request.post('/api/admin/payout-runs').set(admin.auth).send({ period });
  expect(res.status).toBe(202);
  return temporal.workflow.getHandle<() => Promise<PayoutRunProgress>>(res.body.workflowId).result();
}

const payoutsOf = (instructorId: string) =>
  knex('instructor_payouts').where({ instructor_id: instructorId }).orderBy('payout_period');

describe('monthly payout run', () => {
  it('MKT-020: ten released sales worth $850.00 become one completed $850.00 payout, shares linked, webhooks handled', async () => {
    const instructor = await payee();
    // $121.43 a sale → 70% = $85.00 (8500.1 cents, rounded half up to 8500); ten of them = $850.00.
    const sales = await sellCourse(knex, config, instructor.id, { count: 10, grossCents: 12143 });
    expect(sales.every((s) => s.instructorCents === 8500)).toBe(true);

    const summary = await run('2026-10-01');
    expect(summary).toMatchObject({ period: '2026-10-01', done: true });
    expect(summary.paid).toBeGreaterThanOrEqual(1);

    const [payout] = await payoutsOf(instructor.id);
    expect(payout).toMatchObject({
      payout_period: '2026-10-01',
      status: 'completed',
      gross_cents: 85000,
      adjustments_cents: 0,
      total_amount_cents: 85000,
      stripe_destination_account: instructor.accountId,
    });
    expect(payout.stripe_transfer_id).toMatch(/^tr_/);
    expect(payout.completed_at).not.toBeNull();
    const shares = await knex('revenue_records').where({ instructor_id: instructor.id });
    expect(shares).toHaveLength(10);
    expect(shares.every((s) => s.status === 'paid' && s.payout_id === payout.id)).toBe(true);
    expect(
      await knex('transaction_audit_logs').where({ payout_id: payout.id }).orderBy('created_at').pluck('action'),
    ).toEqual(['payout_initiated', 'payout_completed']);
    const mail = await knex('notifications').where({ user_id: instructor.id, kind: 'payout_completed' }).first();
    expect(mail.payload).toMatchObject({
      amountCents: 85000,
      amount: '$850.00',
      breakdown: {
        salesCents: 85000,
        salesCount: 10,
        refundDeductionsCents: 0,
        courses: [{ sales: 10, amountCents: 85000 }],
      },
      transferId: payout.stripe_transfer_id,
    });

    // The operator's view of the run, and the instructor's.
    const status = await api.request.get('/api/admin/payout-runs/2026-10-01').set(admin.auth);
    expect(status.body).toMatchObject({ status: 'COMPLETED', progress: { done: true, period: '2026-10-01' } });
    const earnings = await api.request.get('/api/instructor/earnings').set(instructor.auth);
    expect(earnings.body).toMatchObject({
      totalRevenue: { cents: 85000, formatted: '$850.00' },
      lifetimePayouts: { cents: 85000 },
      pendingPayout: { cents: 0 },
      counts: { sales: 10, payouts: 1 },
    });

    // Stripe then pays the money out of the instructor's Connect balance to their bank, and reports it.
    const bankPayout = {
      id: `po_${randomUUID().slice(0, 8)}`,
      object: 'payout',
      amount: 85000,
      currency: 'usd',
      arrival_date: 1_800_000_000,
      failure_code: null,
      failure_message: null,
    };
    const at = new Date();
    await payoutWebhookHandlers['payout.paid']!(
      api.deps,
      stripeEvent('payout.paid', { ...bankPayout, status: 'paid' }, { account: instructor.accountId!, created: at }),
    );
    expect(await knex('instructor_bank_payouts').where({ stripe_payout_id: bankPayout.id }).first()).toMatchObject({
      instructor_id: instructor.id,
      status: 'paid',
      amount_cents: 85000,
    });
    // The bank returns it later: the failure wins, the instructor is told; the older `paid` redelivered changes nothing.
    const failed = {
      ...bankPayout,
      status: 'failed',
      failure_code: 'account_closed',
      failure_message: 'The bank account has been closed',
    };
    await payoutWebhookHandlers['payout.failed']!(
      api.deps,
      stripeEvent('payout.failed', failed, {
        account: instructor.accountId!,
        created: new Date(at.getTime() + 60_000),
      }),
    );
    await payoutWebhookHandlers['payout.paid']!(
      api.deps,
      stripeEvent('payout.paid', { ...bankPayout, status: 'paid' }, { account: instructor.accountId!, created: at }),
    );
    expect(await knex('instructor_bank_payouts').where({ stripe_payout_id: bankPayout.id }).first()).toMatchObject({
      status: 'failed',
      failure_code: 'account_closed',
    });
    expect(
      await knex('notifications').where({ user_id: instructor.id, kind: 'bank_payout_failed' }).count('* as n').first(),
    ).toEqual({ n: 1 });
    // The platform's own payouts (no connected account) are not instructors' business.
    await payoutWebhookHandlers['payout.paid']!(
      api.deps,
      stripeEvent('payout.paid', { ...bankPayout, id: 'po_platform', status: 'paid' }),
    );
    expect(await knex('instructor_bank_payouts').where({ stripe_payout_id: 'po_platform' }).first()).toBeUndefined();
  });

  it('defers an instructor under $50.00 and pays them in a later run once the balance reaches it', async () => {
    const instructor = await payee();
    await sellCourse(knex, config, instructor.id, { count: 1, grossCents: 4900 }); // $34.30

    const first = await run('2026-08-01');
    expect(first.failed).toBe(0);
    expect(await payoutsOf(instructor.id)).toEqual([]);
    expect(await knex('revenue_records').where({ instructor_id: instructor.id }).first()).toMatchObject({
      status: 'payable',
      payout_id: null,
    });

    await sellCourse(knex, config, instructor.id, { count: 1, grossCents: 4900 }); // $68.60 in all
    await run('2026-09-01');
    const payouts = await payoutsOf(instructor.id);
    expect(payouts).toEqual([
      expect.objectContaining({ payout_period: '2026-09-01', status: 'completed', total_amount_cents: 6860 }),
    ]);
  });

  it('pays each instructor once per period, however often the period is run', async () => {
    const instructor = await payee();
    await sellCourse(knex, config, instructor.id, { count: 2, grossCents: 7900 }); // 2 × $55.30

    // A double click lands on the run in progress.
    const [a, b] = await Promise.all(
      [1, 2].map(() => api.request.post('/api/admin/payout-runs').set(admin.auth).send({ period: '2026-07-01' })),
    );
    expect(a.body.workflowId).toBe(payoutIds.run(config.TASK_QUEUE_PREFIX, '2026-07-01'));
    expect(b.body.runId).toBe(a.body.runId);
    await temporal.workflow.getHandle(a.body.workflowId).result();

    // New earnings after the period was paid wait for the next period, even when the period is run again.
    const later = await sellCourse(knex, config, instructor.id, { count: 1, grossCents: 7900 });
    const again = await run('2026-07-01');
    expect(again.alreadyHandled).toBeGreaterThanOrEqual(1);
    expect(await payoutsOf(instructor.id)).toEqual([
      expect.objectContaining({ payout_period: '2026-07-01', status: 'completed', total_amount_cents: 11060 }),
    ]);
    expect(await knex('revenue_records').where({ id: later[0].revenueRecordId }).first()).toMatchObject({
      status: 'payable',
      payout_id: null,
    });
    const [payout] = await payoutsOf(instructor.id);
    expect(
      await knex('transaction_audit_logs')
        .where({ payout_id: payout.id, action: 'payout_completed' })
        .count('* as n')
        .first(),
    ).toEqual({ n: 1 });
  });

  it('deducts a refund made after payout from the next payout, and waits while that leaves under $50', async () => {
    const instructor = await payee();
    const paid = await sellCourse(knex, config, instructor.id, { count: 2, grossCents: 7900 });
    await run('2026-05-01');
    // The buyer gets their money back after the payout (through the refund API): $55.30 to recover.
    const refund = await api.request
      .post(`/api/transactions/${paid[0].transactionId}/refund`)
      .set(admin.auth)
      .send({ reason: 'test' });
    expect(refund.body).toMatchObject({ status: 'refunded', instructorShare: 'clawed_back' });
    const { id: adjustmentId } = await knex('revenue_adjustments')
      .where({ revenue_record_id: paid[0].revenueRecordId })
      .first('id');

    await sellCourse(knex, config, instructor.id, { count: 1, grossCents: 14900 }); // $104.30 → $49.00 after the clawback
    await run('2026-06-01');
    expect((await payoutsOf(instructor.id)).map((p) => p.payout_period)).toEqual(['2026-05-01']);
    expect(await knex('revenue_adjustments').where({ id: adjustmentId }).first()).toMatchObject({
      status: 'outstanding',
      payout_id: null,
    });

    await sellCourse(knex, config, instructor.id, { count: 1, grossCents: 7900 }); // + $55.30 → $104.30 due
    await run('2026-09-01');
    const next = (await payoutsOf(instructor.id)).find((p) => p.payout_period === '2026-09-01');
    expect(next).toMatchObject({
      status: 'completed',
      gross_cents: 10430 + 5530,
      adjustments_cents: 5530,
      total_amount_cents: 10430,
    });
    expect(await knex('revenue_adjustments').where({ id: adjustmentId }).first()).toMatchObject({
      status: 'applied',
      payout_id: next.id,
    });
    const mail = await knex('notifications')
      .where({ user_id: instructor.id, kind: 'payout_completed', dedupe_key: `payout-completed:${next.id}` })
      .first();
    expect(mail.payload.breakdown).toMatchObject({
      salesCents: 15960,
      refundDeductionsCents: 5530,
      refundDeductions: '$55.30',
    });
  });

  it('skips and notifies an instructor who cannot receive transfers yet; pays them once Connect is enabled', async () => {
    const instructor = await payee({ connected: false });
    await sellCourse(knex, config, instructor.id, { count: 1, grossCents: 7900 });
    const summary = await run('2026-04-01');
    expect(summary.skippedNoConnect).toBeGreaterThanOrEqual(1);
    expect(await payoutsOf(instructor.id)).toEqual([]);
    const mail = await knex('notifications').where({ user_id: instructor.id, kind: 'payout_connect_required' }).first();
    expect(mail.payload).toMatchObject({ balanceCents: 5530, period: '2026-04-01' });

    // Onboarding finishes: Stripe reports the transfers capability active.
    const accountId = `acct_${randomUUID().replace(/-/g, '').slice(0, 16)}`;
    await knex('users').where({ id: instructor.id }).update({ stripe_connect_account_id: accountId });
    const account = { id: accountId, object: 'account', payouts_enabled: true, capabilities: { transfers: 'active' } };
    await payoutWebhookHandlers['account.updated']!(api.deps, stripeEvent('account.updated', account));
    await run('2026-06-01');
    expect(await payoutsOf(instructor.id)).toEqual([
      expect.objectContaining({ payout_period: '2026-06-01', status: 'completed', total_amount_cents: 5530 }),
    ]);
  });

  it('returns a reversed payout to the balance: payout failed, shares payable again, paid by a later run', async () => {
    const instructor = await payee();
    const sales = await sellCourse(knex, config, instructor.id, { count: 1, grossCents: 9900 }); // $69.30
    await run('2026-03-01');
    const [payout] = await payoutsOf(instructor.id);
    const transfer = {
      id: payout.stripe_transfer_id,
      object: 'transfer',
      amount: 6930,
      amount_reversed: 6930,
      reversed: false,
      metadata: { payout_id: payout.id },
    } as const;

    // A partial reversal cannot be pinned on a sale: left to an operator, the ledger unchanged.
    await payoutWebhookHandlers['transfer.reversed']!(
      api.deps,
      stripeEvent('transfer.reversed', { ...transfer, amount_reversed: 1000 }),
    );
    expect((await payoutsOf(instructor.id))[0].status).toBe('completed');

    const reversed = stripeEvent('transfer.reversed', { ...transfer, reversed: true });
    await payoutWebhookHandlers['transfer.reversed']!(api.deps, reversed);
    await payoutWebhookHandlers['transfer.reversed']!(api.deps, reversed); // redelivered
    expect((await payoutsOf(instructor.id))[0]).toMatchObject({
      status: 'failed',
      failure_reason: expect.stringContaining('reversed'),
    });
    expect(await knex('revenue_records').where({ id: sales[0].revenueRecordId }).first()).toMatchObject({
      status: 'payable',
      payout_id: null,
    });
    expect(
      await knex('transaction_audit_logs')
        .where({ payout_id: payout.id, action: 'payout_failed' })
        .count('* as n')
        .first(),
    ).toEqual({ n: 1 });

    await run('2026-04-01');
    expect((await payoutsOf(instructor.id)).map((p) => [p.payout_period, p.status, p.total_amount_cents])).toEqual([
      ['2026-03-01', 'failed', 6930],
      ['2026-04-01', 'completed', 6930],
    ]);
  });

  it('refuses periods that have not ended, and malformed ones', async () => {
    const future = await api.request.post('/api/admin/payout-runs').set(admin.auth).send({ period: '2099-01-01' });
    expect(future.status).toBe(400);
    expect(future.body.detail).toMatch(/has not ended/);
    const malformed = await api.request.post('/api/admin/payout-runs').set(admin.auth).send({ period: '2026-10-15' });
    expect(malformed.status).toBe(400);
    expect(malformed.body.errors).toEqual([expect.objectContaining({ field: 'period' })]);
    const instructor = await payee();
    expect(
      (await api.request.post('/api/admin/payout-runs').set(instructor.auth).send({ period: '2026-10-01' })).status,
    ).toBe(403);
    expect((await api.request.get('/api/admin/payout-runs/2001-01-01').set(admin.auth)).status).toBe(404);
  });
});

describe('monthly payout Schedule', () => {
  it('exists after worker start-up: 00:00 UTC on the 1st of every month, overlap and catch-up set', async () => {
    const description = await temporal.schedule.getHandle(payoutIds.schedule(config.TASK_QUEUE_PREFIX)).describe();
    expect(description.spec.timezone).toBe('UTC');
    // Every month and weekday, day 1, 00:00:00 — the cron `0 0 1 * *`.
    expect(description.spec.calendars).toEqual([
      {
        comment: expect.stringContaining('0 0 1 * *'),
        year: [],
        month: [{ start: 'JANUARY', end: 'DECEMBER', step: 1 }],
        dayOfWeek: [{ start: 'SUNDAY', end: 'SATURDAY', step: 1 }],
        dayOfMonth: [{ start: 1, end: 1, step: 1 }],
        hour: [{ start: 0, end: 0, step: 1 }],
        minute: [{ start: 0, end: 0, step: 1 }],
        second: [{ start: 0, end: 0, step: 1 }],
      },
    ]);
    expect(description.policies).toMatchObject({ overlap: 'BUFFER_ONE', catchupWindow: 7 * 24 * 3600 * 1000 });
    expect(description.state.paused).toBe(false);
    expect(description.action).toMatchObject({
      type: 'startWorkflow',
      workflowType: 'payoutRunWorkflow',
      taskQueue: `${config.TASK_QUEUE_PREFIX}edustream-core`,
    });
    expect(description.info.nextActionTimes[0]).toEqual(nextPayoutRunAt(new Date()));
  });

  it('a run it starts pays the month before the scheduled time (shown with a backfill of 2026-03-01, dry run)', async () => {
    // The production schedule's action, on a paused twin whose runs only count (nobody in this database is paid).
    const options = payoutScheduleOptions(config);
    const scheduleId = `${options.scheduleId}-backfill-test-${randomUUID().slice(0, 8)}`;
    const handle = await temporal.schedule.create({
      ...options,
      scheduleId,
      action: {
        ...options.action,
        workflowId: `${scheduleId}-run`,
        args: [{ ...options.action.args?.[0], dryRun: true }],
      },
      state: { paused: true },
    });
    try {
      await handle.backfill({
        start: new Date('2026-02-28T23:00:00Z'),
        end: new Date('2026-03-01T01:00:00Z'),
        overlap: 'ALLOW_ALL',
      });
      let started: string | undefined;
      for (let i = 0; i < 50 && !started; i++) {
        started = (await handle.describe()).info.recentActions[0]?.action.workflow.workflowId;
        if (!started) await new Promise((r) => setTimeout(r, 200));
      }
      expect(started).toBe(`${scheduleId}-run-2026-03-01T00:00:00Z`);
      const result = await temporal.workflow.getHandle<() => Promise<PayoutRunProgress>>(started!).result();
      expect(result).toMatchObject({ period: '2026-02-01', dryRun: true, done: true });
    } finally {
      await handle.delete();
    }
  });
});
