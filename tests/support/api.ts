import http from 'node:http';
import type { AddressInfo } from 'node:net';
import supertest from 'supertest';
import { buildApi, type Api, type CreateAppOptions } from '../../src/api/app';
import { loadConfig } from '../../src/config';
import { closeDeps, connectTemporal, createDeps, type ApiDeps } from '../../src/deps';

export interface TestApi {
  /** supertest bound to a real listening server: `api.request.get('/healthz')`. */
  request: ReturnType<typeof supertest>;
  /** Base URL of that server, for clients other than supertest. */
  url: string;
  deps: ApiDeps;
  api: Api;
  close(): Promise<void>;
}

/**
 * The API as production builds it — loadConfig(process.env) + createDeps + connectTemporal + createApp —
 * against the services the jest global setup exported (DATABASE_URL, TEMPORAL_ADDRESS, ...).
 * `options.routeModules` lets a test mount extra routes next to the real ones; `options.env` overrides settings.
 */
export async function startTestApi(options: CreateAppOptions & { env?: NodeJS.ProcessEnv } = {}): Promise<TestApi> {
  const config = loadConfig({ ...process.env, ...options.env });
  const base = createDeps(config, 'api-test');
  let deps: ApiDeps;
  try {
    deps = { ...base, temporal: await connectTemporal(config) };
  } catch (err) {
    await closeDeps(base);
    throw err;
  }
  const api = buildApi(deps, options);
  const handle = api.app.callback();
  const server = http.createServer((req, res) => void handle(req, res));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    request: supertest(server),
    url: `http://127.0.0.1:${port}`,
    deps,
    api,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await closeDeps(deps);
    },
  };
}

/** A fresh, unique email per call, so tests never collide (and can run in any order). */
export function uniqueEmail(prefix = 'user'): string {
  return `${prefix}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 10)}@example.test`;
}
