import { RATE_LIMIT_POLICIES } from '../../src/api/rate-limit';
import { startTestApi, type TestApi } from '../support/api';
import { createUser } from '../support/fixtures';

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
    for (let i = 0; i < RATE_LIMIT_POLICIES.general.points + 5; i++)
      statuses.add((await a.request.get('/api/auth/me').set(admin.auth)).status);
    expect([...statuses]).toEqual([200]);
  });

  // Every budget the spec sets (MKT-030 and the endpoints' checklists), on its real route. A point is spent before
  // the input is validated, so invalid requests (400, nothing changes) spend the budget; the next one is 429.
  const bad = '00000000-0000-4000-8000-00000000000x';
  it.each([
    ['review', 'student', 'post', `/api/courses/${bad}/reviews`],
    ['upload', 'instructor', 'post', `/api/courses/${bad}/lessons/uploads`],
    ['publish', 'instructor', 'post', `/api/courses/${bad}/publish`],
    ['checkout', 'student', 'post', '/api/checkout/create'],
    ['refund', 'student', 'post', `/api/transactions/${bad}/refund`],
    ['couponValidate', 'student', 'post', '/api/coupons/validate'],
    ['search', 'student', 'get', '/api/search/courses?limit=0'],
    ['progress', 'student', 'put', `/api/enrollments/${bad}/progress/${bad}`],
  ] as const)('%s: %s on %s %s', async (policy, role, method, path) => {
    const { knex, config } = a.deps;
    const [user, other] = [await createUser(knex, config, role), await createUser(knex, config, role)];
    const send = (who: typeof user) => a.request[method](path).set(who.auth).send({});
    const { points } = RATE_LIMIT_POLICIES[policy];
    const statuses = new Map<number, number>();
    for (let i = 0; i < points; i++) {
      const { status } = await send(user);
      statuses.set(status, (statuses.get(status) ?? 0) + 1);
    }
    expect(Object.fromEntries(statuses)).toEqual({ 400: points });
    expect((await send(user)).status).toBe(429);
    expect((await send(other)).status).toBe(400); // per user
    expect((await a.request.get('/api/auth/me').set(user.auth)).status).toBe(200); // the general budget is another
  });

  it('counts anonymous callers per IP (login: 10 per minute), and leaves probes and docs unlimited', async () => {
    const statuses = new Set<number>();
    for (let i = 0; i < RATE_LIMIT_POLICIES.credentials.points + 1; i++) {
      statuses.add(
        (await a.request.post('/api/auth/login').send({ email: 'nobody@example.test', password: 'wrong password' }))
          .status,
      );
    }
    expect(statuses).toEqual(new Set([401, 429]));
    expect((await a.request.get('/healthz')).status).toBe(200);
    expect((await a.request.get('/openapi.json')).status).toBe(200);
  });
});
