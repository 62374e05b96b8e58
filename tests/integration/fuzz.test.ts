import fc from 'fast-check';
import { startTestApi, type TestApi } from '../support/api';
import { changedTables, databaseFingerprint } from '../support/db-fingerprint';
import { createCourse, createReadyLessons, createSale, createUser, type FixtureUser } from '../support/fixtures';
import { operationsOf, requestFor, type FuzzRequest } from '../support/openapi-fuzz';

/**
 * Property: for every operation in the OpenAPI document, no input a client can send — well-formed, subtly
 * wrong or garbage, as anyone — yields a 5xx; every 4xx is an RFC 7807 problem; and a batch of rejected
 * requests changes no row in the database.
 */
const RUNS_PER_OPERATION = Number(process.env.FUZZ_RUNS ?? 40);
/** Operations whose success path waits on a workflow; fuzzing them would mostly measure the workflow. */
const SKIP = new Set<string>([]);

describe('API fuzzing from the OpenAPI document', () => {
  let api: TestApi;
  let callers: (FixtureUser | undefined)[];
  let knownIds: string[];
  const stats = { requests: 0, byStatus: new Map<number, number>(), operations: 0 };

  beforeAll(async () => {
    api = await startTestApi();
    const { knex, config } = api.deps;
    const [student, instructor, admin] = await Promise.all([
      createUser(knex, config, 'student'),
      createUser(knex, config, 'instructor'),
      createUser(knex, config, 'admin'),
    ]);
    callers = [undefined, student, instructor, admin];
    const course = await createCourse(knex, instructor.id);
    const lessons = await createReadyLessons(knex, course.id, 3);
    const sale = await createSale(knex, { buyerId: student.id, courseId: course.id, grossCents: course.priceCents });
    knownIds = [
      course.id,
      ...lessons.map((l) => l.id),
      sale.transactionId,
      sale.enrollmentId,
      student.id,
      instructor.id,
    ];
  });

  afterAll(async () => {
    console.log(
      `fuzz: ${stats.requests} requests over ${stats.operations} operations; statuses ${JSON.stringify(Object.fromEntries([...stats.byStatus].sort()))}`,
    );
    await api.close();
  });

  async function send(req: FuzzRequest, caller: FixtureUser | undefined) {
    let test = api.request[req.method as 'get'](req.url);
    if (caller) test = test.set(caller.auth);
    if (req.raw) test = test.set('Content-Type', req.raw.contentType).send(req.raw.text);
    else if (req.body !== undefined) test = test.set('Content-Type', 'application/json').send(JSON.stringify(req.body));
    return test;
  }

  it('never answers 5xx, answers 4xx as problem+json, and rejected requests change nothing', async () => {
    const operations = operationsOf(api.api.openApiDocument() as unknown as Parameters<typeof operationsOf>[0]).filter(
      (op) => !SKIP.has(`${op.method} ${op.path}`),
    );
    expect(operations.length).toBeGreaterThan(5);
    for (const op of operations) {
      stats.operations++;
      // The notifications relay writes in the background (a Schedule), whatever the requests do.
      const before = await databaseFingerprint(api.deps.knex, ['notifications']);
      let accepted = false;
      await fc.assert(
        fc.asyncProperty(
          requestFor(op, knownIds),
          fc.integer({ min: 0, max: callers.length - 1 }),
          async (req, who) => {
            const res = await send(req, callers[who]);
            stats.requests++;
            stats.byStatus.set(res.status, (stats.byStatus.get(res.status) ?? 0) + 1);
            if (res.status >= 500)
              throw new Error(`${req.method.toUpperCase()} ${req.url} → ${res.status}: ${JSON.stringify(res.body)}`);
            if (res.status >= 400) {
              expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
              expect(res.body.status).toBe(res.status);
            } else {
              accepted = true;
            }
          },
        ),
        { numRuns: RUNS_PER_OPERATION },
      );
      const after = await databaseFingerprint(api.deps.knex, ['notifications']);
      if (!accepted)
        expect({ op: `${op.method} ${op.path}`, changed: changedTables(before, after) }).toEqual({
          op: `${op.method} ${op.path}`,
          changed: [],
        });
    }
  }, 600_000);
});
