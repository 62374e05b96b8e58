/**
 * Temporal unreachable while a request needs it: the route does not handle it itself, so toProblem decides
 * (Temporal's ServiceError → 503 with Retry-After), as it does for every route. A real client, lazily connected
 * to a port nobody listens on: the same failure an API sees when the Temporal frontend is down.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Client, Connection } from '@temporalio/client';
import supertest from 'supertest';
import { buildApi } from '../../src/api/app';
import { loadConfig } from '../../src/config';
import { closeDeps, createDeps, type ApiDeps } from '../../src/deps';
import { createUser } from '../support/fixtures';

/** A loopback port that was free a moment ago and is closed now. */
async function closedPort(): Promise<number> {
  const server = http.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe('Temporal unreachable', () => {
  const config = loadConfig(process.env);
  let deps: ApiDeps;
  let server: http.Server;
  let request: ReturnType<typeof supertest>;

  beforeAll(async () => {
    const connection = Connection.lazy({ address: `127.0.0.1:${await closedPort()}` });
    deps = {
      ...createDeps(config, 'api-test'),
      temporal: new Client({ connection, namespace: config.TEMPORAL_NAMESPACE }),
    };
    const handle = buildApi(deps).app.callback();
    server = http.createServer((req, res) => void handle(req, res));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    request = supertest(server);
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await closeDeps(deps);
  });

  it('a request that starts a workflow answers 503 with Retry-After, not 500', async () => {
    const admin = await createUser(deps.knex, config, 'admin');
    const res = await request.post('/api/admin/notifications/flush').set(admin.auth).send({ batchSize: 10 });
    expect({
      status: res.status,
      type: res.type,
      retryAfter: res.headers['retry-after'],
      detail: res.body.detail,
    }).toEqual({
      status: 503,
      type: 'application/problem+json',
      retryAfter: '5',
      detail: 'A service this request needs is temporarily unavailable, retry',
    });
  });
});
