import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import jwt from 'jsonwebtoken';
import { DEV_DEFAULTS } from '../../src/config';
import { startTestApi, type TestApi } from '../support/api';
import { productionEnv, runEntry } from '../support/entry-points';
import { createUser } from '../support/fixtures';
import { checkoutSessionEvent, deliver } from '../support/stripe-webhooks';

/** The `config:` lines a refused start-up printed. */
const configLines = (stderr: string) => stderr.split('\n').filter((l) => l.startsWith('config: '));

describe('production mode refuses each unsafe value at start-up (exit 2, one line per problem)', () => {
  // One refused value per case, each through a different real entry point.
  const cases: { label: string; entry: string; override: Record<string, string | undefined>; args?: string[] }[] = [
    { label: 'JWT_SECRET missing', entry: 'api', override: { JWT_SECRET: undefined } },
    { label: 'JWT_SECRET the dev default', entry: 'worker', override: { JWT_SECRET: DEV_DEFAULTS.JWT_SECRET } },
    { label: 'JWT_SECRET too short', entry: 'migrate', override: { JWT_SECRET: 'short-but-over-16-chars' } },
    { label: 'JWT_SECRET long but not random', entry: 'verify', override: { JWT_SECRET: 'a'.repeat(64) } },
    { label: 'STRIPE_WEBHOOK_SECRET missing', entry: 'api', override: { STRIPE_WEBHOOK_SECRET: undefined } },
    {
      label: 'STRIPE_WEBHOOK_SECRET the dev default',
      entry: 'payout-run',
      override: { STRIPE_WEBHOOK_SECRET: DEV_DEFAULTS.STRIPE_WEBHOOK_SECRET },
    },
    {
      label: 'STRIPE_SECRET_KEY the placeholder',
      entry: 'worker',
      override: { STRIPE_SECRET_KEY: DEV_DEFAULTS.STRIPE_SECRET_KEY },
    },
    {
      label: 'STRIPE_SECRET_KEY not a Stripe key',
      entry: 'api',
      override: { STRIPE_SECRET_KEY: 'pk_live_0123456789abcdefghijklmnop' },
    },
    {
      label: 'STRIPE_SECRET_KEY missing',
      entry: 'create-admin',
      override: { STRIPE_SECRET_KEY: undefined },
      args: ['--email', 'ops@edustream.example', '--password', 'a long admin password'],
    },
    { label: 'DATABASE_URL missing', entry: 'migrate', override: { DATABASE_URL: undefined } },
    { label: 'DATABASE_URL the dev default', entry: 'verify', override: { DATABASE_URL: DEV_DEFAULTS.DATABASE_URL } },
    {
      label: 'S3 keys the dev ones',
      entry: 'worker',
      override: { S3_ACCESS_KEY_ID: 'S3RVER', S3_SECRET_ACCESS_KEY: 'S3RVER' },
    },
    { label: 'S3 key without its secret', entry: 'api', override: { S3_ACCESS_KEY_ID: 'AKIAEXAMPLEEXAMPLE' } },
    { label: 'PUBLIC_URL missing', entry: 'seed', override: { PUBLIC_URL: undefined } },
    { label: 'FRONTEND_URL missing', entry: 'api', override: { FRONTEND_URL: undefined } },
  ];
  it.each(cases)('$label (npm run $entry)', async ({ entry, override, args }) => {
    const variable = Object.keys(override)[0].startsWith('S3_') ? 'S3_ACCESS_KEY_ID' : Object.keys(override)[0];
    const result = await runEntry(entry, { ...productionEnv(), ...override }, { args });
    expect(result.code).toBe(2);
    const lines = configLines(result.stderr);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(new RegExp(`^config: ${variable}: `));
    expect(result.stderr).not.toMatch(/\n\s+at /); // no stack trace
  });

  it('prints every problem at once, one line each', async () => {
    const result = await runEntry('api', { NODE_ENV: 'production' });
    expect(result.code).toBe(2);
    expect(configLines(result.stderr).map((l) => l.split(':')[1].trim())).toEqual([
      'JWT_SECRET',
      'STRIPE_WEBHOOK_SECRET',
      'STRIPE_SECRET_KEY',
      'DATABASE_URL',
      'PUBLIC_URL',
      'FRONTEND_URL',
    ]);
  });

  it('reads .env from the working directory, as .env.example says (and refuses its dev values)', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'edustream-env-'));
    try {
      fs.writeFileSync(path.join(dir, '.env'), `JWT_SECRET=${DEV_DEFAULTS.JWT_SECRET}\n`);
      const { JWT_SECRET: _fromEnvFile, ...env } = productionEnv();
      const result = await runEntry('migrate', env, { args: ['status'], cwd: dir });
      expect(result.code).toBe(2);
      expect(configLines(result.stderr)).toEqual([
        expect.stringMatching(/^config: JWT_SECRET: is the development default/),
      ]);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it.each(['seed', 'demo'])('npm run %s refuses a production database', async (entry) => {
    const result = await runEntry(entry, productionEnv());
    expect(result.code).toBe(2);
    expect(configLines(result.stderr)).toEqual([
      `config: ${entry}: refused on a production database (NODE_ENV=production or a live Stripe key)`,
    ]);
  });

  it('npm run dev refuses to start development services in production', async () => {
    const result = await runEntry('dev', productionEnv());
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/refused/);
  });

  it('with safe values, a command that cannot reach Postgres says where it tried, without a stack trace', async () => {
    const result = await runEntry('migrate', productionEnv(), { args: ['status'] });
    expect(result.code).toBe(1);
    expect(result.stderr.trim()).toBe(
      'error: cannot reach Postgres at 127.0.0.1:1 (ECONNREFUSED, DATABASE_URL 127.0.0.1:1/edustream): check that the database is up and DATABASE_URL points at it',
    );
  });

  it('with safe values, a command that cannot reach Temporal says which address it tried', async () => {
    const result = await runEntry('payout-run', productionEnv(), { args: ['--dry-run'] });
    expect(result.code).toBe(1);
    expect(result.stderr.trim()).toBe(
      'error: cannot reach Temporal at 127.0.0.1:1: start the Temporal frontend there or set TEMPORAL_ADDRESS',
    );
  });
});

describe('with real secrets set, tokens and webhooks signed with the dev defaults are refused', () => {
  const secrets = productionEnv();
  let api: TestApi;
  beforeAll(async () => {
    api = await startTestApi({
      env: { JWT_SECRET: secrets.JWT_SECRET, STRIPE_WEBHOOK_SECRET: secrets.STRIPE_WEBHOOK_SECRET },
    });
  });
  afterAll(() => api.close());

  it('refuses an admin token forged with the development JWT secret', async () => {
    const forged = jwt.sign({ role: 'admin', email: 'mallory@example.test' }, DEV_DEFAULTS.JWT_SECRET, {
      subject: '00000000-0000-4000-8000-000000000001',
      expiresIn: '1h',
    });
    const res = await api.request.get('/api/admin/audit-logs').set('Authorization', `Bearer ${forged}`);
    expect(res.status).toBe(401);
    // The same claims signed with the configured secret are an admin's.
    const admin = await createUser(api.deps.knex, api.deps.config, 'admin');
    expect((await api.request.get('/api/admin/audit-logs').set(admin.auth)).status).toBe(200);
  });

  it('refuses a checkout.session.completed event signed with the development webhook secret', async () => {
    const event = checkoutSessionEvent('checkout.session.completed', {
      sessionId: 'cs_test_forged',
      transactionId: '00000000-0000-4000-8000-000000000002',
      amountSubtotalCents: 4999,
    });
    const forged = await deliver(api.request, event, { secret: DEV_DEFAULTS.STRIPE_WEBHOOK_SECRET });
    expect(forged.status).toBe(401);
    expect(forged.body.detail ?? forged.body.title).toMatch(/signature/i);
    // The same event signed with the configured secret gets past the signature check.
    const genuine = await deliver(api.request, event, { secret: secrets.STRIPE_WEBHOOK_SECRET });
    expect(genuine.status).not.toBe(401);
  });
});
