import { randomUUID } from 'node:crypto';
import { ScheduleOverlapPolicy } from '@temporalio/client';
import { MockActivityEnvironment } from '@temporalio/testing';
import { DefaultLogger } from '@temporalio/worker';
import { createHousekeepingActivities } from '../../activities/housekeeping';
import { HOUSEKEEPING_RETENTION } from '../../src/domain/retention';
import type { Deps } from '../../src/deps';
import { housekeepingIds, type SweepResult } from '../../src/temporal/contracts/housekeeping';
import { taskQueue } from '../../src/temporal/shared';
import type { housekeepingWorkflow } from '../../workflows/housekeeping';
import { startTestApi, type TestApi } from '../support/api';
import { createUser } from '../support/fixtures';
import { replayAndRecord } from '../support/histories';

/**
 * The housekeeping sweep on the real parts: rows on both sides of each table's retention are written straight to
 * the database, the workflow runs on the test worker through Temporal, and only the expired rows are gone.
 */
describe('housekeeping: expired rows are deleted, live ones kept', () => {
  let api: TestApi;
  const schedule = () =>
    api.deps.temporal.schedule.getHandle(housekeepingIds.schedule(api.deps.config.TASK_QUEUE_PREFIX));
  beforeAll(async () => {
    api = await startTestApi();
    // The worker's own hourly sweep must not delete these tests' rows under their assertions.
    await schedule().pause('housekeeping tests running');
    for (const action of (await schedule().describe()).info.runningActions) {
      await api.deps.temporal.workflow
        .getHandle(action.workflow.workflowId)
        .result()
        .catch(() => undefined);
    }
  });
  afterAll(async () => {
    await schedule().unpause();
    await api.close();
  });

  /** DB-side "now" in ms since epoch (the unit of rate_limits.expire). */
  const nowMs = '(extract(epoch FROM now()) * 1000)::bigint';
  const graceMs = HOUSEKEEPING_RETENTION.rateLimitGraceMs;
  const days = HOUSEKEEPING_RETENTION.stripeEventDays;

  async function seed(tag: string, userId: string) {
    const { knex } = api.deps;
    const scope = `test.housekeeping.${tag}`;
    // idempotency_keys: 250 finished and expired; one abandoned mid-request (in progress, lease long over) and
    // expired; one expired but taken over moments ago (its request is running); one finished and one in progress, both live.
    await knex.raw(
      `INSERT INTO idempotency_keys (scope, user_id, key, request_hash, response_status, created_at, expires_at)
       SELECT ?, ?, 'expired-' || g, 'h', 201, now() - interval '25 hours', now() - interval '1 hour' FROM generate_series(1, 250) g`,
      [scope, userId],
    );
    const key = (k: string, status: number | null, createdAt: string, expiresAt: string) => ({
      scope,
      user_id: userId,
      key: k,
      request_hash: 'h',
      response_status: status,
      created_at: knex.raw(createdAt),
      expires_at: knex.raw(expiresAt),
    });
    await knex('idempotency_keys').insert([
      key('abandoned', null, "now() - interval '25 hours'", "now() - interval '1 hour'"),
      key('taken-over', null, "now() - interval '10 seconds'", "now() - interval '1 second'"),
      key('live-done', 201, 'now()', "now() + interval '24 hours'"),
      key('live-in-progress', null, 'now()', "now() + interval '24 hours'"),
    ]);

    // rate_limits: 600 counters, expired past the grace (odd) and live (even) interleaved along the key, so that
    // every batch of the walk meets both; one expired within the grace; one that never expires.
    await knex.raw(
      `INSERT INTO rate_limits (key, points, expire)
       SELECT ? || lpad(g::text, 4, '0'), 1, CASE WHEN g % 2 = 1 THEN ${nowMs} - ? - 60000 ELSE ${nowMs} + 60000 END
         FROM generate_series(1, 600) g`,
      [`hk-${tag}:`, graceMs],
    );
    await knex.raw(`INSERT INTO rate_limits (key, points, expire) VALUES (?, 1, ${nowMs} - 60000), (?, 1, NULL)`, [
      `hk-${tag}:recently-expired`,
      `hk-${tag}:no-expiry`,
    ]);

    // stripe_events: 150 handled past the retention; one as old but never handled; one handled within the retention.
    await knex.raw(
      `INSERT INTO stripe_events (id, type, payload, received_at, handled_at)
       SELECT ? || g, 'test.housekeeping', '{}'::jsonb, now() - make_interval(days => ?, hours => 1), now() - make_interval(days => ?)
         FROM generate_series(1, 150) g`,
      [`evt_hk_${tag}_old_`, days, days],
    );
    await knex('stripe_events').insert([
      {
        id: `evt_hk_${tag}_unhandled`,
        type: 'test.housekeeping',
        payload: {},
        received_at: knex.raw('now() - make_interval(days => ?, hours => 1)', [days]),
      },
      {
        id: `evt_hk_${tag}_recent`,
        type: 'test.housekeeping',
        payload: {},
        received_at: knex.raw('now() - make_interval(days => ?)', [days - 1]),
        handled_at: knex.raw('now() - make_interval(days => ?)', [days - 1]),
      },
    ]);
    return scope;
  }

  async function remaining(tag: string, scope: string) {
    const { knex } = api.deps;
    const keys: string[] = await knex('idempotency_keys').where({ scope }).orderBy('key').pluck('key');
    const limits: string[] = await knex('rate_limits').where('key', 'like', `hk-${tag}:%`).orderBy('key').pluck('key');
    const events: string[] = await knex('stripe_events')
      .where('id', 'like', `evt_hk_${tag}_%`)
      .orderBy('id')
      .pluck('id');
    return { keys, limits, events };
  }

  function expectOnlyLiveRows(tag: string, left: Awaited<ReturnType<typeof remaining>>) {
    expect(left.keys).toEqual(['live-done', 'live-in-progress', 'taken-over']);
    const liveCounters = Array.from({ length: 300 }, (_, i) => `hk-${tag}:${String((i + 1) * 2).padStart(4, '0')}`);
    expect(left.limits).toEqual([...liveCounters, `hk-${tag}:no-expiry`, `hk-${tag}:recently-expired`].sort());
    expect(left.events).toEqual([`evt_hk_${tag}_recent`, `evt_hk_${tag}_unhandled`]);
  }

  it('the workflow deletes expired idempotency keys, rate-limit counters and old handled Stripe events, in batches', async () => {
    const { knex, config, temporal } = api.deps;
    const tag = randomUUID().slice(0, 8);
    const user = await createUser(knex, config, 'student');
    const scope = await seed(tag, user.id);

    const handle = await temporal.workflow.start<typeof housekeepingWorkflow>('housekeepingWorkflow', {
      taskQueue: taskQueue('core', config.TASK_QUEUE_PREFIX),
      workflowId: `${config.TASK_QUEUE_PREFIX}housekeeping-test-${tag}`,
      args: [{ batchSize: 100 }],
    });
    const result = await handle.result();

    expect(result.failed).toEqual([]);
    expect(result.swept.map((s) => s.table)).toEqual(['idempotency_keys', 'rate_limits', 'stripe_events']);
    const [keys, limits, events] = result.swept;
    // Other tests' rows may be swept too (the database is shared); ours are at least these.
    expect(keys.deleted).toBeGreaterThanOrEqual(251);
    expect(keys.batches).toBeGreaterThanOrEqual(3);
    expect(limits.deleted).toBeGreaterThanOrEqual(300);
    expect(limits.batches).toBeGreaterThanOrEqual(7); // 602 of ours alone, walked 100 at a time
    expect(events.deleted).toBeGreaterThanOrEqual(150);
    expect(events.batches).toBeGreaterThanOrEqual(2);
    expectOnlyLiveRows(tag, await remaining(tag, scope));

    const history = await handle.fetchHistory();
    const scheduled = (history.events ?? []).flatMap((e) =>
      e.activityTaskScheduledEventAttributes ? [e.activityTaskScheduledEventAttributes] : [],
    );
    expect(scheduled.map((a) => a.activityType?.name)).toEqual([
      'sweepExpiredRows',
      'sweepExpiredRows',
      'sweepExpiredRows',
    ]);
    expect(scheduled.map((a) => [String(a.heartbeatTimeout?.seconds), String(a.startToCloseTimeout?.seconds)])).toEqual(
      Array(3).fill(['60', '900']),
    );
    // Committed for tests/workflows/replay.test.ts: the sweep's command order is kept for runs in flight.
    await replayAndRecord([{ name: 'housekeeping-swept', history }]);

    // A second run finds nothing of ours to delete and keeps every live row.
    const again = await temporal.workflow.execute<typeof housekeepingWorkflow>('housekeepingWorkflow', {
      taskQueue: taskQueue('core', config.TASK_QUEUE_PREFIX),
      workflowId: `${config.TASK_QUEUE_PREFIX}housekeeping-test-${tag}-again`,
      args: [{}],
    });
    expect(again.failed).toEqual([]);
    expectOnlyLiveRows(tag, await remaining(tag, scope));
  });

  it('a retried sweep resumes from its last heartbeat; a table outside the allow-list is refused', async () => {
    const { knex, config } = api.deps;
    const tag = randomUUID().slice(0, 8);
    const user = await createUser(knex, config, 'student');
    const scope = await seed(tag, user.id);
    const { sweepExpiredRows } = createHousekeepingActivities(api.deps as Deps);

    // The last attempt got as far as counter 0400 of ours: the retry walks on from there.
    const cursor = `hk-${tag}:0400`;
    // The refusals below are expected: the activity environment need not log them as failures.
    const options = { logger: new DefaultLogger('ERROR') };
    const env = new MockActivityEnvironment(
      { heartbeatDetails: { table: 'rate_limits', cursor, deleted: 7, batches: 3 } },
      options,
    );
    const result: SweepResult = await env.run(sweepExpiredRows, 'rate_limits' as const, 50);
    expect(result.table).toBe('rate_limits');
    expect(result.deleted).toBeGreaterThanOrEqual(7 + 100); // odd counters 0401..0599
    expect(result.batches).toBeGreaterThanOrEqual(3 + 4);
    const left = (await remaining(tag, scope)).limits;
    expect(left.filter((k) => k <= cursor)).toHaveLength(400); // before the cursor: untouched
    expect(left.filter((k) => k > cursor && /\d{4}$/.test(k))).toHaveLength(100); // after it: the live ones only

    await expect(
      new MockActivityEnvironment({}, options).run(sweepExpiredRows, 'users' as never, 100),
    ).rejects.toMatchObject({
      type: 'HousekeepingTableUnknown',
      nonRetryable: true,
    });
    await expect(
      new MockActivityEnvironment({}, options).run(sweepExpiredRows, 'rate_limits' as const, 0),
    ).rejects.toMatchObject({
      type: 'HousekeepingBadBatchSize',
    });
  });

  it('the worker created the hourly housekeeping Schedule at start-up (overlap SKIP)', async () => {
    const prefix = api.deps.config.TASK_QUEUE_PREFIX;
    const description = await schedule().describe();
    expect(description.spec.intervals).toEqual([expect.objectContaining({ every: 3_600_000 })]);
    expect(description.policies.overlap).toBe(ScheduleOverlapPolicy.SKIP);
    expect(description.action).toMatchObject({
      type: 'startWorkflow',
      workflowType: 'housekeepingWorkflow',
      taskQueue: `${prefix}edustream-core`,
    });
  });
});
