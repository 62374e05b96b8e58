/**
 * Stripe Connect onboarding (spec MKT-017) through HTTP against stripe-mock, and the `account.updated`
 * webhook handler that records what the account can do.
 */
import type { Knex } from 'knex';
import { loadConfig } from '../../src/config';
import { payoutWebhookHandlers } from '../../src/webhooks/payouts';
import { startTestApi, type TestApi } from '../support/api';
import { createUser } from '../support/fixtures';
import { stripeEvent } from '../support/escrow';
import { connectAccount } from '../support/payouts';

const config = loadConfig(process.env);
let api: TestApi;
let knex: Knex;

beforeAll(async () => {
  api = await startTestApi();
  knex = api.deps.knex;
});
afterAll(() => api?.close());

const accountOf = async (userId: string) =>
  knex('users')
    .where({ id: userId })
    .first('stripe_connect_account_id', 'connect_transfers_enabled', 'connect_payouts_enabled');

describe('POST /api/instructor/connect', () => {
  it('creates the Express account once and returns an onboarding link on every call', async () => {
    const instructor = await createUser(knex, config, 'instructor');
    const first = await api.request.post('/api/instructor/connect').set(instructor.auth);
    expect(first.status).toBe(201);
    expect(first.body).toMatchObject({
      accountId: expect.stringMatching(/^acct_/),
      transfersEnabled: false,
      payoutsEnabled: false,
    });
    expect(first.body.onboardingUrl).toMatch(/^https:\/\//);
    expect(Number.isNaN(Date.parse(first.body.expiresAt))).toBe(false);
    expect(await accountOf(instructor.id)).toMatchObject({ stripe_connect_account_id: first.body.accountId });

    const again = await api.request.post('/api/instructor/connect').set(instructor.auth);
    expect(again.status).toBe(200);
    expect(again.body).toMatchObject({ accountId: first.body.accountId, onboardingUrl: expect.any(String) });

    const status = await api.request.get('/api/instructor/connect').set(instructor.auth);
    expect(status.body).toEqual({ accountId: first.body.accountId, transfersEnabled: false, payoutsEnabled: false });
  });

  it('ends with one account when the first calls race', async () => {
    const instructor = await createUser(knex, config, 'instructor');
    const responses = await Promise.all(
      [1, 2, 3, 4].map(() => api.request.post('/api/instructor/connect').set(instructor.auth)),
    );
    const stored = (await accountOf(instructor.id)).stripe_connect_account_id;
    expect(responses.map((r) => r.body.accountId)).toEqual([stored, stored, stored, stored]);
    expect(responses.filter((r) => r.status === 201)).toHaveLength(1);
  });

  it('is for instructors only', async () => {
    const student = await createUser(knex, config, 'student');
    const forbidden = await api.request.post('/api/instructor/connect').set(student.auth);
    expect(forbidden.status).toBe(403);
    expect(forbidden.body.detail).toBe('Instructor-only endpoint');
    expect((await accountOf(student.id)).stripe_connect_account_id).toBeNull();
    expect((await api.request.post('/api/instructor/connect')).status).toBe(401);
    const admin = await createUser(knex, config, 'admin');
    expect((await api.request.get('/api/instructor/connect').set(admin.auth)).status).toBe(403);
  });
});

describe('account.updated webhook', () => {
  const account = (id: string, transfers: 'active' | 'inactive' | 'pending', payoutsEnabled: boolean) => ({
    id,
    object: 'account',
    payouts_enabled: payoutsEnabled,
    capabilities: { transfers },
  });
  const deliver = (object: Record<string, unknown>, created: Date) =>
    payoutWebhookHandlers['account.updated']!(api.deps, stripeEvent('account.updated', object, { created }));

  it('records whether the account can receive transfers and pay out, ignoring events older than what it has', async () => {
    const instructor = await createUser(knex, config, 'instructor');
    const accountId = await connectAccount(knex, instructor.id, false);
    const t = Date.now();

    await deliver(account(accountId, 'active', true), new Date(t));
    expect(await accountOf(instructor.id)).toMatchObject({
      connect_transfers_enabled: true,
      connect_payouts_enabled: true,
    });

    // Stripe disables transfers later; an older "pending" event arriving after it changes nothing.
    await deliver(account(accountId, 'inactive', false), new Date(t + 60_000));
    await deliver(account(accountId, 'pending', true), new Date(t + 30_000));
    expect(await accountOf(instructor.id)).toMatchObject({
      connect_transfers_enabled: false,
      connect_payouts_enabled: false,
    });

    const status = await api.request.get('/api/instructor/connect').set(instructor.auth);
    expect(status.body).toEqual({ accountId, transfersEnabled: false, payoutsEnabled: false });
  });

  it('ignores accounts that are not an instructor’s', async () => {
    await expect(deliver(account('acct_nobody', 'active', true), new Date())).resolves.toBeUndefined();
  });
});
