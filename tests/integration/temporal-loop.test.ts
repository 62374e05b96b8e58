import { randomUUID } from 'node:crypto';
import { startTestApi, type TestApi } from '../support/api';
import { createUser } from '../support/fixtures';
import { replayAndRecord } from '../support/histories';

let api: TestApi;
beforeAll(async () => {
  api = await startTestApi();
});
afterAll(() => api?.close());

/** The whole loop on real parts: HTTP → API → Temporal workflow → activity on the worker → Postgres. */
describe('API → workflow → activity → Postgres', () => {
  it('an admin flushes the notifications outbox through the relay workflow', async () => {
    const { knex, config } = api.deps;
    const admin = await createUser(knex, config, 'admin');
    const student = await createUser(knex, config, 'student');
    const keys = [randomUUID(), randomUUID()];
    await knex('notifications').insert(
      keys.map((k) => ({ user_id: student.id, kind: 'test_notice', payload: { subject: 'hi' }, dedupe_key: k })),
    );

    // Earlier tests leave older notifications waiting: the relay delivers oldest first, so flush until ours went out.
    const unsent = () => knex('notifications').whereIn('dedupe_key', keys).whereNull('sent_at').count('* as n').first();
    let res;
    let flushes = 0;
    do {
      res = await api.request.post('/api/admin/notifications/flush').set(admin.auth).send({ batchSize: 1000 });
      expect(res.status).toBe(200);
      expect(res.body.workflowId).toMatch(/^notifications-flush-/);
      // The minute Schedule relays too, so a flush may find nothing left; what matters is that ours go out, once.
      expect(res.body.delivered).toBeGreaterThanOrEqual(0);
    } while ((await unsent())?.n !== 0 && ++flushes < 20);
    const rows = await knex('notifications').whereIn('dedupe_key', keys);
    expect(rows.map((r) => r.sent_at)).toEqual([expect.any(Date), expect.any(Date)]);
    expect(rows.map((r) => r.attempts)).toEqual([1, 1]);

    const history = await api.deps.temporal.workflow.getHandle(res.body.workflowId).fetchHistory();
    const activity = history.events?.find((e) => e.activityTaskScheduledEventAttributes);
    expect(activity?.activityTaskScheduledEventAttributes?.activityType?.name).toBe('deliverPendingNotifications');
    // Committed for tests/workflows/replay.test.ts: the relay's command order is kept for runs in flight.
    await replayAndRecord([{ name: 'notifications-flush', history }]);
  });

  it('refuses non-admins and bad input without running anything', async () => {
    const { knex, config } = api.deps;
    const student = await createUser(knex, config, 'student');
    expect((await api.request.post('/api/admin/notifications/flush').set(student.auth).send({})).status).toBe(403);
    expect((await api.request.post('/api/admin/notifications/flush').send({})).status).toBe(401);
    const admin = await createUser(knex, config, 'admin');
    const bad = await api.request.post('/api/admin/notifications/flush').set(admin.auth).send({ batchSize: 0 });
    expect(bad.status).toBe(400);
    expect(bad.headers['content-type']).toMatch(/application\/problem\+json/);
  });
});

describe('Schedules', () => {
  it('the worker created the notifications relay Schedule at start-up', async () => {
    const prefix = api.deps.config.TASK_QUEUE_PREFIX;
    const schedule = await api.deps.temporal.schedule.getHandle(`${prefix}notifications-relay`).describe();
    expect(schedule.spec.intervals).toEqual([expect.objectContaining({ every: 60_000 })]);
    expect(schedule.action).toMatchObject({
      type: 'startWorkflow',
      workflowType: 'flushNotificationsWorkflow',
      taskQueue: `${prefix}edustream-core`,
    });
  });
});
