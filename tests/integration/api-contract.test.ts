import { randomUUID } from 'node:crypto';
import Ajv2020 from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import { z } from 'zod';
import { startTestApi, type TestApi } from '../support/api';
import { FORBIDDEN_JSON_KEY } from '../../src/problems/to-problem';
import { createCourse, createReadyLessons, createSale, createUser, type FixtureUser } from '../support/fixtures';

/**
 * The API keeps the promises its OpenAPI document makes (issue 20), through HTTP against the real services:
 * methods a resource lacks are a 405 with `Allow`, never a 5xx; responses match the document's schemas (not only
 * the zod schemas they come from); what the document allows, the server accepts.
 */

let t: TestApi;
let instructor: FixtureUser;

beforeAll(async () => {
  t = await startTestApi();
  instructor = await createUser(t.deps.knex, t.deps.config, 'instructor');
});

afterAll(async () => {
  await t?.close();
});

type Res = { status: number; headers: Record<string, string>; body: Record<string, unknown> };

function expectProblem(res: Res, status: number): void {
  expect(res.status).toBe(status);
  expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
  expect(res.body).toMatchObject({ status, type: expect.any(String), title: expect.any(String) });
  expect(res.body.requestId).toBe(res.headers['x-request-id']);
}

/** supertest has a function per method of Node's list (trace, propfind, …); its types name only the common ones. */
function send(method: string, url: string): Promise<Res> {
  return (t.request as unknown as Record<string, (u: string) => Promise<Res>>)[method.toLowerCase()](url);
}

describe('a method the resource lacks → 405 problem with Allow', () => {
  test.each([
    ['TRACE', '/healthz', 'GET'],
    ['TRACE', `/api/transactions/${randomUUID()}`, 'GET'],
    ['PROPFIND', '/api/courses', 'GET'],
    ['PATCH', '/healthz', 'GET'],
    ['DELETE', '/api/auth/login', 'POST'],
  ])('%s %s', async (method, url, allowed) => {
    const res = await send(method, url);
    expectProblem(res, 405);
    expect(res.body.title).toBe('Method Not Allowed');
    expect(res.body.detail).toBe(`Method ${method} is not allowed on this resource`);
    expect(res.headers.allow?.split(/,\s*/)).toContain(allowed);
  });

  test('a method nothing implements on a path nothing matches → 404, not 501', async () => {
    const res = await send('TRACE', '/api/nope');
    expectProblem(res, 404);
    expect(res.headers.allow).toBeUndefined();
  });
});

type JsonSchema = {
  $ref?: string;
  type?: string | string[];
  properties?: Record<string, JsonSchema>;
  items?: JsonSchema;
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
};

type Doc = {
  paths: Record<
    string,
    Record<string, { responses: Record<string, { content?: Record<string, { schema: object }> }> }>
  >;
  components: object;
};

/** Checks a real response body against the schema the OpenAPI document gives it (JSON Schema 2020-12, OpenAPI 3.1). */
function expectMatchesDocument(method: string, path: string, res: Res): void {
  const doc = t.api.openApiDocument() as unknown as Doc;
  const content = doc.paths[path]?.[method]?.responses[String(res.status)]?.content;
  const contentType = res.headers['content-type'].split(';')[0];
  expect(content && Object.keys(content)).toContain(contentType);
  // `#/components/...` refs resolve against the root, so the components travel with the schema.
  const ajv = new Ajv2020({ strict: false, allErrors: true });
  addFormats(ajv);
  const validate = ajv.compile({ ...content![contentType].schema, components: doc.components });
  validate(res.body);
  expect(validate.errors ?? []).toEqual([]);
}

const draft = {
  title: 'A draft course',
  description: 'Not published yet',
  category: 'design',
  difficultyLevel: 'beginner',
  pricingModel: 'one_time',
  priceCents: 1900,
};

describe('responses match the schema the document declares', () => {
  test('a draft course (publishedAt null) through create, read and update', async () => {
    const created = await t.request.post('/api/courses').set(instructor.auth).send(draft);
    expect(created.status).toBe(201);
    expect(created.body.publishedAt).toBeNull();
    expectMatchesDocument('post', '/api/courses', created);

    const id = created.body.id as string;
    const read = await t.request.get(`/api/courses/${id}`).set(instructor.auth);
    expect(read.status).toBe(200);
    expect(read.body.publishedAt).toBeNull();
    expectMatchesDocument('get', '/api/courses/{id}', read);

    const updated = await t.request.put(`/api/courses/${id}`).set(instructor.auth).send({ title: 'A renamed draft' });
    expect(updated.status).toBe(200);
    expect(updated.body).toMatchObject({ title: 'A renamed draft', publishedAt: null });
    expectMatchesDocument('put', '/api/courses/{id}', updated);
  });

  test('every field a response schema lets be null is nullable in the document', () => {
    const doc = t.api.openApiDocument() as unknown as Doc & { components: { schemas: Record<string, JsonSchema> } };
    const deref = (s: JsonSchema | undefined): JsonSchema | undefined =>
      s?.$ref ? doc.components.schemas[s.$ref.split('/').pop()!] : s;
    const allowsNull = (s: JsonSchema | undefined): boolean => {
      const schema = deref(s);
      if (!schema || (schema.type === undefined && !schema.properties && !schema.anyOf && !schema.oneOf)) return true;
      if (schema.anyOf || schema.oneOf) return (schema.anyOf ?? schema.oneOf)!.some(allowsNull);
      return schema.type === 'null' || (Array.isArray(schema.type) && schema.type.includes('null'));
    };
    /** The schema under nullable/optional/default wrappers and transforms (whose input side the document shows). */
    const core = (schema: z.ZodType): z.ZodType => {
      const def = schema._zod.def as { type: string; in?: z.ZodType; innerType?: z.ZodType };
      if (def.type === 'pipe') return core(def.in!);
      if (def.innerType && ['nullable', 'optional', 'default', 'readonly'].includes(def.type))
        return core(def.innerType);
      return schema;
    };
    const mismatches: string[] = [];
    const walk = (schema: z.ZodType, json: JsonSchema | undefined, where: string): void => {
      const documented = deref(json);
      if (!documented) return;
      if (schema.safeParse(null).success && !allowsNull(documented)) mismatches.push(where);
      const inner = core(schema);
      if (inner instanceof z.ZodObject && documented.properties) {
        for (const [key, field] of Object.entries(inner.shape)) {
          walk(field as z.ZodType, documented.properties[key], `${where}.${key}`);
        }
      }
      if (inner instanceof z.ZodArray && documented.items)
        walk(inner.element as z.ZodType, documented.items, `${where}[]`);
    };
    let checked = 0;
    for (const definition of t.api.registry.definitions) {
      if (definition.type !== 'route') continue;
      const { method, path, responses } = definition.route;
      for (const [status, response] of Object.entries(responses)) {
        const content = 'content' in response ? (response.content ?? {}) : {};
        for (const [contentType, media] of Object.entries(content)) {
          const schema = media && 'schema' in media ? media.schema : undefined;
          if (!(schema instanceof z.ZodType)) continue;
          checked += 1;
          const json = doc.paths[path][method].responses[status].content?.[contentType].schema as JsonSchema;
          walk(schema, json, `${method.toUpperCase()} ${path} ${status}`);
        }
      }
    }
    expect(checked).toBeGreaterThan(40);
    expect(mismatches).toEqual([]);
  });

  test('a problem matches the Problem schema', async () => {
    const res = await send('TRACE', '/healthz');
    expect(res.status).toBe(405);
    // Not declared per operation (a method the path lacks has no operation); the shared Problem schema applies.
    const doc = t.api.openApiDocument() as unknown as Doc & { components: { schemas: { Problem: object } } };
    const ajv = new Ajv2020({ strict: false });
    expect(ajv.validate(doc.components.schemas.Problem, res.body)).toBe(true);
  });
});

describe('what the document allows, the server accepts; what it refuses, the document says', () => {
  const schemas = () =>
    (t.api.openApiDocument() as unknown as { components: { schemas: Record<string, Record<string, unknown>> } })
      .components.schemas;

  test('an update needs at least one field: minProperties in the document, 400 for {} on PUT course and PATCH lesson', async () => {
    expect(schemas().UpdateCourseRequest.minProperties).toBe(1);
    expect(schemas().UpdateLessonRequest.minProperties).toBe(1);

    const course = await createCourse(t.deps.knex, instructor.id, { status: 'draft' });
    const [lesson] = await createReadyLessons(t.deps.knex, course.id, 1);
    const emptyCourse = await t.request.put(`/api/courses/${course.id}`).set(instructor.auth).send({});
    expectProblem(emptyCourse, 400);
    expect(emptyCourse.body.detail).toBe('Provide at least one field to change');
    const emptyLesson = await t.request
      .patch(`/api/courses/${course.id}/lessons/${lesson.id}`)
      .set(instructor.auth)
      .send({});
    expectProblem(emptyLesson, 400);
    expect(emptyLesson.body.detail).toBe('Provide at least one field to change');

    const oneField = await t.request
      .patch(`/api/courses/${course.id}/lessons/${lesson.id}`)
      .set(instructor.auth)
      .send({ isPreview: true });
    expect(oneField.status).toBe(200);
  });

  test('progressSeconds up to the documented maximum never reaches a database error', async () => {
    const documented = schemas().LessonProgressUpdate as { properties: { progressSeconds: { maximum: number } } };
    const maximum = documented.properties.progressSeconds.maximum;
    expect(maximum).toBe(2_147_483_647); // the int4 column's bound

    const student = await createUser(t.deps.knex, t.deps.config, 'student');
    const course = await createCourse(t.deps.knex, instructor.id);
    const [long] = await createReadyLessons(t.deps.knex, course.id, 1, { durationSeconds: maximum - 10 });
    const sale = await createSale(t.deps.knex, { buyerId: student.id, courseId: course.id, grossCents: 7900 });
    const put = (lessonId: string, progressSeconds: number) =>
      t.request
        .put(`/api/enrollments/${sale.enrollmentId}/progress/${lessonId}`)
        .set(student.auth)
        .send({ progressSeconds });

    // Beyond the lesson's duration: the documented refusal, not "numeric value out of range".
    const beyond = await put(long.id, maximum);
    expectProblem(beyond, 400);
    expect(beyond.body.detail).toBe('Invalid progress value');

    const atEnd = await put(long.id, maximum - 10);
    expect(atEnd.status).toBe(200);
    expect(atEnd.body).toMatchObject({ progressSeconds: maximum - 10, completed: true });
    const midway = await put(long.id, 1_000_000_000);
    expect(midway.status).toBe(200);
    expect(midway.body).toMatchObject({ progressSeconds: 1_000_000_000, completed: true }); // completed stays

    expectProblem(await put(long.id, maximum + 1), 400);
  });

  test('a JSON key named __proto__ is refused with a message that says so, and pollutes nothing', async () => {
    const body = '{"email":"a@b.co","password":"long enough pw","__proto__":{"isAdmin":true}}';
    const res = await t.request.post('/api/auth/login').set('Content-Type', 'application/json').send(body);
    expectProblem(res, 400);
    expect(res.body.detail).toBe(FORBIDDEN_JSON_KEY);
    expect(res.body.errors).toEqual([{ field: 'body', message: FORBIDDEN_JSON_KEY, in: 'body' }]);
    expect(({} as Record<string, unknown>).isAdmin).toBeUndefined();

    const nested = await t.request
      .put(`/api/courses/${randomUUID()}`)
      .set(instructor.auth)
      .set('Content-Type', 'application/json')
      .send('{"title":"A fine title","thumbnailUrl":null,"x":{"__proto__":{"polluted":1}}}');
    expectProblem(nested, 400);
    expect(nested.body.detail).toBe(FORBIDDEN_JSON_KEY);

    // A malformed body keeps its own message.
    const malformed = await t.request.post('/api/auth/login').set('Content-Type', 'application/json').send('{"a":');
    expect(malformed.body.detail).toBe('Malformed JSON body');
  });

  test('a boolean query is documented as boolean and takes exactly true or false', async () => {
    const doc = t.api.openApiDocument() as unknown as {
      paths: Record<string, { get: { parameters: { name: string; schema: Record<string, unknown> }[] } }>;
    };
    const dryRun = doc.paths['/api/admin/payout-runs/{period}'].get.parameters.find((p) => p.name === 'dryRun');
    expect(dryRun?.schema).toMatchObject({ type: 'boolean' });

    const admin = await createUser(t.deps.knex, t.deps.config, 'admin');
    const get = (dryRun: string) => t.request.get(`/api/admin/payout-runs/2020-01-01?dryRun=${dryRun}`).set(admin.auth);
    for (const value of ['__main__', 'yes', '1', 'TRUE']) {
      const res = await get(value);
      expectProblem(res, 400);
      expect(res.body.errors).toEqual([expect.objectContaining({ field: 'dryRun', in: 'query' })]);
    }
    // Valid values get past validation: the run's status, or 404 when no run exists for that period (other suites
    // in the same run may have started one).
    for (const value of ['true', 'false']) expect([200, 404]).toContain((await get(value)).status);
  });
});

describe('headers and retryable statuses are documented on every operation', () => {
  test('503 (and 429 where rate limited) with Retry-After; X-Request-Id on every response; Idempotent-Replayed on idempotent successes', () => {
    type Response = { headers?: Record<string, { $ref: string }>; content?: Record<string, unknown> };
    type Operation = { responses: Record<string, Response>; parameters?: { name: string; in: string }[] };
    const doc = t.api.openApiDocument() as unknown as {
      paths: Record<string, Record<string, Operation>>;
      components: { headers: Record<string, unknown> };
    };
    expect(Object.keys(doc.components.headers).sort()).toEqual(['Idempotent-Replayed', 'Retry-After', 'X-Request-Id']);
    let operations = 0;
    for (const [path, item] of Object.entries(doc.paths)) {
      for (const [method, operation] of Object.entries(item)) {
        operations += 1;
        const where = `${method.toUpperCase()} ${path}`;
        const unavailable = operation.responses['503'];
        expect([where, unavailable]).toEqual([where, expect.anything()]);
        // A route's own 503 (readiness: which dependency failed) is an answer, not a "retry later".
        if (unavailable.content?.['application/problem+json']) {
          expect([where, unavailable.headers?.['Retry-After']]).toEqual([where, expect.anything()]);
        }
        if (path.startsWith('/api/') && !path.startsWith('/api/webhooks/')) {
          // Every /api/ route spends a budget, except Stripe's deliveries (rateLimit: false).
          expect([where, operation.responses['429']?.headers?.['Retry-After']]).toEqual([where, expect.anything()]);
        }
        for (const [status, response] of Object.entries(operation.responses)) {
          if (status === 'default') continue;
          expect([where, status, response.headers?.['X-Request-Id']]).toEqual([where, status, expect.anything()]);
        }
        const idempotent = operation.parameters?.some((p) => p.in === 'header' && p.name === 'idempotency-key');
        const success = Object.entries(operation.responses).find(([status]) => status.startsWith('2'))?.[1];
        if (idempotent) expect([where, success?.headers?.['Idempotent-Replayed']]).toEqual([where, expect.anything()]);
      }
    }
    expect(operations).toBeGreaterThan(40);
  });
});
