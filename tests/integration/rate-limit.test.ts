import { z } from 'zod';
import { defineRoute, type RouteModule } from '../../src/api/route';
import { RATE_LIMIT_POLICIES } from '../../src/api/rate-limit';
import { routeModules } from '../../src/api/routes';
import { startTestApi, type TestApi } from '../support/api';
import { createUser } from '../support/fixtures';

/** A route on the strict 'publish' budget, to check per-route policies without depending on a feature. */
const probeRoutes: RouteModule = (router, registry) => {
  defineRoute(
    router,
    registry,
    { method: 'post', path: '/api/test/publish-like', summary: 'probe', auth: 'user', rateLimit: 'publish', responses: { 200: z.object({ ok: z.boolean() }) } },
    async () => ({ ok: true }),
  );
};

describe('rate limits (MKT-030)', () => {
  const env = { RATE_LIMITS_ENABLED: 'true' };
  let a: TestApi;
  let b: TestApi;
  beforeAll(async () => {
    // Two API instances: the budget is shared through Postgres, not kept per process.
    a = await startTestApi({ env });
    b = await startTestApi({ env });
  });
  afterAll(async () => {
    await a.close();
    await b.close();
  });

  it('allows the general budget per user across instances, then answers 429 with Retry-After', async () => {
    const { knex, config } = a.deps;
    const user = await createUser(knex, config, 'student');
    const limit = RATE_LIMIT_POLICIES.general.points;
    for (let i = 0; i < limit; i++) {
      const api = i % 2 === 0 ? a : b;
      expect((await api.request.get('/api/auth/me').set(user.auth)).status).toBe(200);
    }
    const limited = await b.request.get('/api/auth/me').set(user.auth);
    expect(limited.status).toBe(429);
    expect(limited.headers['content-type']).toMatch(/application\/problem\+json/);
    expect(Number(limited.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    expect(Number(limited.headers['retry-after'])).toBeLessThanOrEqual(60);

    const other = await createUser(knex, config, 'student');
    expect((await a.request.get('/api/auth/me').set(other.auth)).status).toBe(200);
  });

  it('keeps the counters in an unlogged table (no WAL flush per request)', async () => {
    const { rows } = await a.deps.knex.raw("SELECT relpersistence FROM pg_class WHERE oid = 'rate_limits'::regclass");
    expect(rows).toEqual([{ relpersistence: 'u' }]);
  });

  it('exempts admins', async () => {
    const admin = await createUser(a.deps.knex, a.deps.config, 'admin');
    const statuses = new Set<number>();
    for (let i = 0; i < RATE_LIMIT_POLICIES.general.points + 5; i++) statuses.add((await a.request.get('/api/auth/me').set(admin.auth)).status);
    expect([...statuses]).toEqual([200]);
  });

  it('applies a route its own budget (publish: 10 per minute)', async () => {
    const api = await startTestApi({ env, routeModules: [...routeModules, probeRoutes] });
    try {
      const user = await createUser(api.deps.knex, api.deps.config, 'instructor');
      const statuses: number[] = [];
      for (let i = 0; i < RATE_LIMIT_POLICIES.publish.points + 1; i++) statuses.push((await api.request.post('/api/test/publish-like').set(user.auth)).status);
      expect(statuses.slice(0, -1).every((s) => s === 200)).toBe(true);
      expect(statuses.at(-1)).toBe(429);
      // The general budget is separate: the same user can still use other routes.
      expect((await api.request.get('/api/auth/me').set(user.auth)).status).toBe(200);
    } finally {
      await api.close();
    }
  });

  it('counts anonymous callers per IP (login: 10 per minute), and leaves probes and docs unlimited', async () => {
    const statuses = new Set<number>();
    for (let i = 0; i < RATE_LIMIT_POLICIES.credentials.points + 1; i++) {
      statuses.add((await a.request.post('/api/auth/login').send({ email: 'nobody@example.test', password: 'wrong password' })).status);
    }
    expect(statuses).toEqual(new Set([401, 429]));
    expect((await a.request.get('/healthz')).status).toBe(200);
    expect((await a.request.get('/openapi.json')).status).toBe(200);
  });
});
