import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { promisify } from 'node:util';
import jwt from 'jsonwebtoken';
import knexFactory from 'knex';
import supertest from 'supertest';
import { z } from 'zod';
import { buildApi } from '../../src/api/app';
import type { RouteModule } from '../../src/api/http/context';
import { defineRoute } from '../../src/api/http/define-route';
import { IDEMPOTENCY_LEASE_SECONDS, IDEMPOTENCY_TTL_HOURS } from '../../src/domain/retention';
import { routeModules } from '../../src/api/routes';
import { knexConfig } from '../../src/db/knex';
import { User } from '../../src/models/User';
import { startTestApi, uniqueEmail, type TestApi } from '../support/api';

/**
 * The API skeleton against real Postgres and Temporal: error format, validation, auth, request ids,
 * health, OpenAPI + docs, Idempotency-Key. Extra routes below exercise the helpers the way feature
 * routes will use them.
 */

const effects = { echo: 0 };

const testRoutes: RouteModule = (router, registry, deps) => {
  defineRoute(
    router,
    registry,
    {
      method: 'post',
      path: '/api/test/notes',
      summary: 'idempotent create (test only)',
      auth: 'user',
      idempotent: 'test.note',
      body: z.object({ title: z.string().min(3), tags: z.array(z.string()).default([]) }),
      responses: { 201: z.object({ id: z.uuid(), title: z.string(), tags: z.array(z.string()) }) },
    },
    async (ctx, { body }) => {
      effects.echo += 1;
      await new Promise((r) => setTimeout(r, 300)); // long enough for a concurrent duplicate to arrive
      ctx.status = 201;
      return { id: randomUUID(), ...body };
    },
  );

  defineRoute(
    router,
    registry,
    {
      method: 'post',
      path: '/api/test/courses',
      summary: 'role-guarded route (test only)',
      auth: ['instructor', 'admin'],
      forbiddenMessage: 'Only instructors can create courses',
      responses: { 200: z.object({ ok: z.literal(true), by: z.string() }) },
    },
    async (_ctx, { user }) => ({ ok: true as const, by: user.role }),
  );

  defineRoute(
    router,
    registry,
    {
      method: 'get',
      path: '/api/test/users/:id',
      summary: 'unvalidated id straight into SQL (test only)',
      auth: 'public',
      responses: { 200: z.object({ found: z.boolean() }) },
    },
    async (_ctx, { params }) => {
      const row = await deps.knex('users').where({ id: params.id }).first('id');
      return { found: Boolean(row) };
    },
  );

  defineRoute(
    router,
    registry,
    {
      method: 'get',
      path: '/api/test/search',
      summary: 'query coercion (test only)',
      auth: 'public',
      query: z.object({ page: z.coerce.number().int().min(1).default(1), free: z.stringbool().optional() }),
      responses: { 200: z.object({ page: z.number(), free: z.boolean().nullable() }) },
    },
    async (_ctx, { query }) => ({ page: query.page, free: query.free ?? null }),
  );

  defineRoute(
    router,
    registry,
    {
      method: 'get',
      path: '/api/test/boom',
      summary: 'unexpected failure (test only)',
      auth: 'public',
      responses: { 200: z.object({}) },
    },
    async () => {
      throw new Error('connection string postgres://secret@db leaked?');
    },
  );
};

let t: TestApi;

beforeAll(async () => {
  t = await startTestApi({ routeModules: [...routeModules, testRoutes] });
});

afterAll(async () => {
  await t?.close();
});

async function register(role: 'student' | 'instructor' = 'student', password = 'correct horse battery') {
  const email = uniqueEmail(role);
  const res = await t.request.post('/api/auth/register').send({ email, password, name: `Test ${role}`, role });
  expect(res.status).toBe(201);
  return { email, password, token: res.body.token as string, user: res.body.user as { id: string; role: string } };
}

function expectProblem(
  res: { status: number; headers: Record<string, string>; body: Record<string, unknown> },
  status: number,
) {
  expect(res.status).toBe(status);
  expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
  expect(res.body).toMatchObject({
    status,
    title: expect.any(String),
    detail: expect.any(String),
    type: expect.any(String),
  });
  expect(res.body.instance).toEqual(expect.stringMatching(/^\//));
  expect(res.body.requestId).toBe(res.headers['x-request-id']);
}

describe('errors are problem+json', () => {
  test('unknown route → 404', async () => {
    const res = await t.request.get('/api/nope');
    expectProblem(res, 404);
    expect(res.body.detail).toBe('No route matches GET /api/nope');
    expect(res.body.instance).toBe('/api/nope');
  });

  test('wrong method on a known path → 405 with Allow', async () => {
    const res = await t.request.delete('/api/auth/login');
    expectProblem(res, 405);
    expect(res.headers.allow).toContain('POST');
  });

  test('malformed JSON → 400', async () => {
    const res = await t.request
      .post('/api/auth/register')
      .set('Content-Type', 'application/json')
      .send('{"email": "a@b.c",');
    expectProblem(res, 400);
    expect(res.body.detail).toBe('Malformed JSON body');
  });

  test('body over 1 MB → 413', async () => {
    const res = await t.request
      .post('/api/auth/login')
      .set('Content-Type', 'application/json')
      .send(JSON.stringify({ email: 'a@b.co', password: 'x'.repeat(1_100_000) }));
    expectProblem(res, 413);
  });

  test('non-JSON body on a JSON route → 415', async () => {
    const res = await t.request.post('/api/auth/login').set('Content-Type', 'text/plain').send('email=a@b.co');
    expectProblem(res, 415);
  });

  test('validation → 400 naming every bad field, without echoing input', async () => {
    const res = await t.request
      .post('/api/auth/register')
      .send({ email: 'not-an-email', password: 'short', name: 'X' });
    expectProblem(res, 400);
    expect(res.body.detail).toContain('password: String must contain at least 8 character(s)');
    expect(res.body.detail).toContain('email: Invalid email');
    expect(res.body.errors).toEqual(
      expect.arrayContaining([
        { field: 'email', message: 'Invalid email', in: 'body' },
        { field: 'password', message: 'String must contain at least 8 character(s)', in: 'body' },
      ]),
    );
    expect(JSON.stringify(res.body)).not.toContain('short');
  });

  test('admin cannot self-register', async () => {
    const res = await t.request
      .post('/api/auth/register')
      .send({ email: uniqueEmail(), password: 'long enough pw', name: 'Eve', role: 'admin' });
    expectProblem(res, 400);
    expect(res.body.errors[0]).toMatchObject({ field: 'role' });
  });

  test('query strings are coerced and validated', async () => {
    expect((await t.request.get('/api/test/search?page=3&free=false')).body).toEqual({ page: 3, free: false });
    expect((await t.request.get('/api/test/search')).body).toEqual({ page: 1, free: null });
    const bad = await t.request.get('/api/test/search?page=abc');
    expectProblem(bad, 400);
    expect(bad.body.errors[0]).toMatchObject({ field: 'page', in: 'query' });
  });

  test('a bad uuid reaching Postgres is a 400, not a 500', async () => {
    const res = await t.request.get('/api/test/users/not-a-uuid');
    expectProblem(res, 400);
  });

  test('unexpected errors → 500 with a generic detail and no internals', async () => {
    const res = await t.request.get('/api/test/boom');
    expectProblem(res, 500);
    expect(JSON.stringify(res.body)).not.toMatch(/postgres|secret|stack/i);
  });
});

describe('auth', () => {
  test('register → login → me', async () => {
    const email = uniqueEmail('ada');
    const reg = await t.request.post('/api/auth/register').send({
      email: `  ${email.toUpperCase()} `,
      password: 'correct horse battery',
      name: ' Ada ',
      role: 'instructor',
    });
    expect(reg.status).toBe(201);
    expect(reg.body.user).toEqual({
      id: expect.any(String),
      email,
      name: 'Ada',
      role: 'instructor',
      createdAt: expect.any(String),
    });
    expect(reg.body.user).not.toHaveProperty('password_hash');
    expect(reg.body.token).toEqual(expect.any(String));

    const stored = await User.query(t.deps.knex).findById(reg.body.user.id);
    expect(stored?.password_hash).toMatch(/^scrypt\$32768\$8\$1\$[A-Za-z0-9+/=]+\$[A-Za-z0-9+/=]+$/);

    const login = await t.request.post('/api/auth/login').send({ email, password: 'correct horse battery' });
    expect(login.status).toBe(200);
    expect(login.body.user).toEqual(reg.body.user);

    const me = await t.request.get('/api/auth/me').set('Authorization', `Bearer ${login.body.token}`);
    expect(me.status).toBe(200);
    expect(me.body).toEqual({ user: reg.body.user });
  });

  test('duplicate email → 409 (case-insensitive)', async () => {
    const { email } = await register();
    const res = await t.request
      .post('/api/auth/register')
      .send({ email: email.toUpperCase(), password: 'another password', name: 'Dup' });
    expectProblem(res, 409);
    expect(res.body.detail).toBe('Email already registered');
  });

  test('wrong password and unknown email → the same 401', async () => {
    const { email } = await register();
    const wrong = await t.request.post('/api/auth/login').send({ email, password: 'wrong password' });
    expectProblem(wrong, 401);
    expect(wrong.body.detail).toBe('Invalid email or password');
    const unknown = await t.request
      .post('/api/auth/login')
      .send({ email: uniqueEmail('ghost'), password: 'wrong password' });
    expectProblem(unknown, 401);
    expect(unknown.body.detail).toBe('Invalid email or password');
  });

  test('anonymous → 401, wrong role → 403 with the route message, right role → 200', async () => {
    const anonymous = await t.request.post('/api/test/courses');
    expectProblem(anonymous, 401);
    expect(anonymous.body.detail).toBe('Authentication required');
    expect(anonymous.headers['www-authenticate']).toBe('Bearer');

    const student = await register('student');
    const forbidden = await t.request.post('/api/test/courses').set('Authorization', `Bearer ${student.token}`);
    expectProblem(forbidden, 403);
    expect(forbidden.body.detail).toBe('Only instructors can create courses');

    const instructor = await register('instructor');
    const ok = await t.request.post('/api/test/courses').set('Authorization', `Bearer ${instructor.token}`);
    expect(ok.status).toBe(200);
    expect(ok.body).toEqual({ ok: true, by: 'instructor' });
  });

  test('invalid, tampered, expired or non-bearer tokens → 401', async () => {
    const garbage = await t.request.get('/api/auth/me').set('Authorization', 'Bearer not.a.jwt');
    expectProblem(garbage, 401);
    expect(garbage.body.detail).toBe('Invalid token');
    expect(garbage.headers['www-authenticate']).toMatch(/^Bearer error="invalid_token"/);

    const { token, user } = await register();
    const forged = jwt.sign({ role: 'admin', email: 'x@y.z' }, 'some-other-secret-of-16+chars', { subject: user.id });
    expect((await t.request.get('/api/auth/me').set('Authorization', `Bearer ${forged}`)).status).toBe(401);

    const expired = jwt.sign(
      { role: 'student', email: 'x@y.z', exp: Math.floor(Date.now() / 1000) - 60 },
      t.deps.config.JWT_SECRET,
      { subject: user.id },
    );
    const exp = await t.request.get('/api/auth/me').set('Authorization', `Bearer ${expired}`);
    expectProblem(exp, 401);
    expect(exp.body.detail).toBe('Token expired');

    const basic = await t.request.get('/api/auth/me').set('Authorization', `Basic ${token}`);
    expectProblem(basic, 401);

    // A bad token is refused even on a public route: the client must learn its session ended.
    expect((await t.request.get('/healthz').set('Authorization', 'Bearer nope')).status).toBe(401);
  });

  test('create-admin CLI creates, then promotes', async () => {
    const run = promisify(execFile);
    const tsx = path.resolve(__dirname, '../../node_modules/.bin/tsx');
    const cli = path.resolve(__dirname, '../../src/main/create-admin.ts');
    const env = { ...process.env, LOG_LEVEL: 'silent' };

    await expect(run(tsx, [cli, '--password', 'x'], { env })).rejects.toMatchObject({
      code: 2,
      stderr: expect.stringContaining('--email is required'),
    });

    const email = uniqueEmail('admin');
    const created = await run(tsx, [cli, '--email', email, '--password', 'admin password 1', '--name', 'Root'], {
      env,
    });
    expect(created.stdout).toContain(`Created admin ${email}`);
    const login = await t.request.post('/api/auth/login').send({ email, password: 'admin password 1' });
    expect(login.body.user.role).toBe('admin');

    const student = await register('student');
    const promoted = await run(tsx, [cli, '--email', student.email], { env });
    expect(promoted.stdout).toContain('promoted from student to admin');
    expect((await User.query(t.deps.knex).findById(student.user.id))?.role).toBe('admin');
  });
});

describe('request ids', () => {
  test('a sane X-Request-Id is echoed, in the header and in problems', async () => {
    const res = await t.request.get('/api/nope').set('X-Request-Id', 'client-req-42');
    expect(res.headers['x-request-id']).toBe('client-req-42');
    expect(res.body.requestId).toBe('client-req-42');
  });

  test('a missing or unsafe one is replaced by a uuid', async () => {
    const none = await t.request.get('/healthz');
    expect(none.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    const unsafe = await t.request.get('/healthz').set('X-Request-Id', 'bad id <script>');
    expect(unsafe.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
  });
});

describe('health', () => {
  test('/healthz', async () => {
    const res = await t.request.get('/healthz');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ status: 'ok' });
  });

  test('/readyz checks Postgres and Temporal', async () => {
    const res = await t.request.get('/readyz');
    expect(res.body).toEqual({ status: 'ok', checks: { postgres: 'ok', temporal: 'ok' } });
    expect(res.status).toBe(200);
  });

  test('/readyz → 503 naming the dependency that failed', async () => {
    // A pool pointed at a closed port; built with knex() directly so objection's global binding is untouched.
    const broken = knexFactory({
      ...knexConfig('postgres://postgres:postgres@127.0.0.1:1/none'),
      acquireConnectionTimeout: 1_000,
    });
    try {
      const { app } = buildApi({ ...t.deps, knex: broken }, { routeModules });
      const res = await supertest(app.callback()).get('/readyz');
      expect(res.status).toBe(503);
      expect(res.body).toEqual({
        status: 'unavailable',
        checks: { postgres: expect.stringMatching(/^(error|timeout)$/), temporal: 'ok' },
      });
    } finally {
      await broken.destroy();
    }
  });
});

describe('OpenAPI and docs', () => {
  test('/openapi.json is OpenAPI 3.1 with the routes and bearer auth', async () => {
    const res = await t.request.get('/openapi.json');
    expect(res.status).toBe(200);
    expect(res.body.openapi).toBe('3.1.0');
    expect(res.body.components.securitySchemes.bearerAuth).toMatchObject({ type: 'http', scheme: 'bearer' });
    expect(Object.keys(res.body.paths)).toEqual(
      expect.arrayContaining(['/api/auth/register', '/api/auth/login', '/api/auth/me', '/healthz', '/readyz']),
    );
    expect(res.body.paths['/api/auth/me'].get.security).toEqual([{ bearerAuth: [] }]);
    expect(res.body.paths['/api/auth/register'].post.requestBody.content['application/json'].schema).toBeDefined();
    expect(res.body.paths['/api/auth/register'].post.responses['201']).toBeDefined();
    // Koa's :id becomes {id}
    expect(res.body.paths['/api/test/users/{id}']).toBeDefined();
    // idempotent routes document the header
    const noteParams = res.body.paths['/api/test/notes'].post.parameters as { name: string; in: string }[];
    expect(noteParams).toEqual(
      expect.arrayContaining([expect.objectContaining({ name: 'idempotency-key', in: 'header' })]),
    );
  });

  test('/docs is served from local assets only, and they load', async () => {
    const res = await t.request.get('/docs');
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/html/);
    const urls = [...res.text.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1]);
    expect(urls.length).toBeGreaterThanOrEqual(4);
    for (const url of urls) {
      expect(url).toMatch(/^\/docs\/assets\//);
      const asset = await t.request.get(url);
      expect(asset.status).toBe(200);
    }
    expect(res.text).not.toMatch(/https?:\/\//);
    const init = await t.request.get('/docs/assets/init.js');
    expect(init.text).toContain("url: '/openapi.json'");
    expect((await t.request.get('/docs/assets/..%2Fpackage.json')).status).toBe(404);
    expect((await t.request.get('/docs/assets/index.html')).status).toBe(404);
  });
});

describe('Idempotency-Key', () => {
  const countKeys = (userId: string, key: string) =>
    t.deps
      .knex('idempotency_keys')
      .where({ scope: 'test.note', user_id: userId, key })
      .count<{ count: number }[]>('* as count');

  test('same key + same body → the stored response, one execution; different body → 409', async () => {
    const { token, user } = await register();
    const key = randomUUID();
    const before = effects.echo;
    const send = (body: object) =>
      t.request.post('/api/test/notes').set('Authorization', `Bearer ${token}`).set('Idempotency-Key', key).send(body);

    const first = await send({ title: 'Hello', tags: ['a'] });
    expect(first.status).toBe(201);
    // Key order does not matter: the request hash is over canonical JSON.
    const again = await send({ tags: ['a'], title: 'Hello' });
    expect(again.status).toBe(201);
    expect(again.body).toEqual(first.body);
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(effects.echo - before).toBe(1);
    expect((await countKeys(user.id, key))[0].count).toBe(1);

    const different = await send({ title: 'Changed' });
    expectProblem(different, 409);
    expect(different.body.detail).toBe('Idempotency-Key reused with a different request');
    expect(effects.echo - before).toBe(1);

    // Keys are per user: another user's identical key is a different request.
    const other = await register();
    const theirs = await t.request
      .post('/api/test/notes')
      .set('Authorization', `Bearer ${other.token}`)
      .set('Idempotency-Key', key)
      .send({ title: 'Hello', tags: ['a'] });
    expect(theirs.status).toBe(201);
    expect(theirs.body.id).not.toBe(first.body.id);
  });

  test('concurrent duplicates: only one executes, the other is told it is in progress', async () => {
    const { token } = await register();
    const key = randomUUID();
    const before = effects.echo;
    const send = () =>
      t.request
        .post('/api/test/notes')
        .set('Authorization', `Bearer ${token}`)
        .set('Idempotency-Key', key)
        .send({ title: 'Race' });
    const [a, b] = await Promise.all([send(), send()]);
    expect([a.status, b.status].sort()).toEqual([201, 409]);
    const loser = a.status === 409 ? a : b;
    expect(loser.body.detail).toBe('A request with this Idempotency-Key is still in progress');
    expect(loser.headers['retry-after']).toBe('1');
    expect(effects.echo - before).toBe(1);
    const after = await send();
    expect(after.status).toBe(201);
    expect(after.body).toEqual((a.status === 201 ? a : b).body);
  });

  test('a key abandoned mid-request (its lease over) is taken over, and held for a full TTL from then', async () => {
    const { token, user } = await register();
    const key = randomUUID();
    const send = () =>
      t.request
        .post('/api/test/notes')
        .set('Authorization', `Bearer ${token}`)
        .set('Idempotency-Key', key)
        .send({ title: 'Resumed' });
    await send().expect(201);
    // As a crashed instance leaves it: no response stored, claimed long ago, about to expire.
    const row = t.deps.knex('idempotency_keys').where({ scope: 'test.note', user_id: user.id, key });
    await row.clone().update({
      response_status: null,
      response_body: null,
      created_at: t.deps.knex.raw(`now() - interval '${IDEMPOTENCY_LEASE_SECONDS + 60} seconds'`),
      expires_at: t.deps.knex.raw("now() + interval '30 seconds'"),
    });
    const before = effects.echo;
    expect((await send()).status).toBe(201);
    expect(effects.echo - before).toBe(1);
    const { hours } = (await row
      .clone()
      .first(t.deps.knex.raw('extract(epoch FROM expires_at - now()) / 3600 AS hours'))) as { hours: number };
    expect(Math.round(hours)).toBe(IDEMPOTENCY_TTL_HOURS);
    expect((await send()).headers['idempotent-replayed']).toBe('true');
  });

  test('a failed request releases its key; no key means no idempotency', async () => {
    const { token, user } = await register();
    const key = randomUUID();
    const invalid = await t.request
      .post('/api/test/notes')
      .set('Authorization', `Bearer ${token}`)
      .set('Idempotency-Key', key)
      .send({ title: 'x' });
    expectProblem(invalid, 400);
    expect(invalid.body.detail).toBe('title: String must contain at least 3 character(s)');
    expect((await countKeys(user.id, key))[0].count).toBe(0);

    const before = effects.echo;
    await t.request
      .post('/api/test/notes')
      .set('Authorization', `Bearer ${token}`)
      .send({ title: 'No key' })
      .expect(201);
    await t.request
      .post('/api/test/notes')
      .set('Authorization', `Bearer ${token}`)
      .send({ title: 'No key' })
      .expect(201);
    expect(effects.echo - before).toBe(2);
  });
});
