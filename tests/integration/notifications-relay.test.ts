/**
 * The notifications outbox relay when delivery fails: against a mail server that drops every connection, in a
 * database of its own (the running system's minute Schedule relays the shared one). A failure is recorded on
 * its row and retried later with backoff; it never blocks the mail behind it.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import net from 'node:net';
import type { Knex } from 'knex';
import knexFactory from 'knex';
import { createNotificationActivities, MAX_DELIVERY_ATTEMPTS, retryDelaySeconds } from '../../activities/notifications';
import { loadConfig } from '../../src/config';
import { createKnex } from '../../src/db/knex';
import { migrateLatest } from '../../src/db/migrate';
import { createLogger, type Deps } from '../../src/deps';
import { createUser } from '../support/fixtures';

const serverUrl = process.env.DATABASE_URL as string;
const name = `edustream_relay_${randomBytes(5).toString('hex')}`;
let admin: Knex;
let db: Knex;
let brokenSmtp: net.Server;
let smtpUrl: string;

beforeAll(async () => {
  admin = knexFactory({ client: 'pg', connection: serverUrl, pool: { min: 0, max: 1 } });
  await admin.raw(`CREATE DATABASE "${name}"`);
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  await migrateLatest(url.toString());
  db = createKnex(url.toString());
  // A mail server that hangs up on every connection.
  brokenSmtp = net.createServer((socket) => socket.destroy());
  await new Promise<void>((resolve) => brokenSmtp.listen(0, '127.0.0.1', resolve));
  smtpUrl = `smtp://127.0.0.1:${(brokenSmtp.address() as net.AddressInfo).port}`;
});

afterAll(async () => {
  await db?.destroy();
  await new Promise((resolve) => brokenSmtp?.close(resolve));
  await admin.raw(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
  await admin.destroy();
});

/** The relay as a worker builds it, on this database, with or without a (broken) mail server. */
function relay(smtp: string | undefined) {
  const config = loadConfig({ ...process.env, SMTP_URL: smtp, LOG_LEVEL: 'silent' });
  return createNotificationActivities({ config, knex: db, log: createLogger(config, 'relay-test') } as unknown as Deps);
}

const rows = () =>
  db('notifications')
    .orderBy('created_at')
    .select(
      'dedupe_key',
      'attempts',
      'last_error',
      'sent_at',
      db.raw('extract(epoch FROM next_attempt_at - now())::int AS wait_seconds'),
    );

it('records a failed delivery, retries it after its backoff, and sends the mail behind it meanwhile', async () => {
  const user = await createUser(db, loadConfig(), 'student');
  await db('notifications').insert(
    [0, 1, 2, 3, 4].map((i) => ({
      user_id: user.id,
      kind: 'test_notice',
      dedupe_key: `n${i}`,
      created_at: db.raw(`now() - make_interval(mins => ${10 - i})`),
    })),
  );

  // The mail server is down: three failures in a row end the run; each is recorded, none is lost.
  expect(await relay(smtpUrl).deliverPendingNotifications(100)).toEqual({ delivered: 0, failed: 3 });
  const failed = await rows();
  expect(failed.slice(0, 3).map((r) => [r.dedupe_key, r.attempts, r.sent_at, r.wait_seconds])).toEqual([
    ['n0', 1, null, 60],
    ['n1', 1, null, 60],
    ['n2', 1, null, 60],
  ]);
  expect(failed[0].last_error).toEqual(expect.any(String));
  expect(failed.slice(3).map((r) => r.attempts)).toEqual([0, 0]);

  // Mail works again: what is due goes out; the failed ones wait for their backoff instead of blocking it.
  expect(await relay(undefined).deliverPendingNotifications(100)).toEqual({ delivered: 2, failed: 0 });
  expect((await rows()).map((r) => r.sent_at !== null)).toEqual([false, false, false, true, true]);

  // Once their time comes they are retried and sent.
  await db('notifications')
    .whereNull('sent_at')
    .update({ next_attempt_at: db.raw("now() - interval '1 second'") });
  expect(await relay(undefined).deliverPendingNotifications(100)).toEqual({ delivered: 3, failed: 0 });
  const sent = await rows();
  expect(sent.map((r) => [r.attempts, r.sent_at !== null, r.wait_seconds])).toEqual([
    [2, true, null],
    [2, true, null],
    [2, true, null],
    [1, true, null],
    [1, true, null],
  ]);
});

it(`gives up after ${MAX_DELIVERY_ATTEMPTS} tries (the row stays, with its last error, for an operator)`, async () => {
  const user = await createUser(db, loadConfig(), 'student');
  const key = randomUUID();
  await db('notifications').insert({
    user_id: user.id,
    kind: 'test_notice',
    dedupe_key: key,
    attempts: MAX_DELIVERY_ATTEMPTS,
    last_error: 'mailbox unavailable',
  });
  expect(await relay(undefined).deliverPendingNotifications(100)).toEqual({ delivered: 0, failed: 0 });
  expect(await db('notifications').where({ dedupe_key: key }).first('sent_at', 'last_error')).toEqual({
    sent_at: null,
    last_error: 'mailbox unavailable',
  });
});

it('backs off 1, 2, 4 … minutes, at most 6 hours', () => {
  expect([1, 2, 3, 4, 9, 10, 30].map(retryDelaySeconds)).toEqual([60, 120, 240, 480, 15_360, 6 * 3600, 6 * 3600]);
});
