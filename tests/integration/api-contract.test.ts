import { randomUUID } from 'node:crypto';
import { startTestApi, type TestApi } from '../support/api';

/**
 * The API keeps the promises its OpenAPI document makes (issue 20), through HTTP against the real services:
 * methods a resource lacks are a 405 with `Allow`, never a 5xx.
 */

let t: TestApi;

beforeAll(async () => {
  t = await startTestApi();
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
