import http from 'node:http';
import { createApp } from '../api/app';
import { loadConfig } from '../config';
import { closeDeps, connectTemporal, createDeps, type ApiDeps } from '../deps';
import { lifecycle } from '../api/lifecycle';
import { parseDuration } from '../domain/time';
import { runMain } from './run-main';

/** In-flight requests get this long to finish after SIGTERM before connections are cut. */
const SHUTDOWN_GRACE_MS = 10_000;

async function main(): Promise<void> {
  const config = loadConfig();
  const base = createDeps(config, 'api');
  const deps: ApiDeps = { ...base, temporal: await connectTemporal(config) };
  const log = deps.log;

  const handle = createApp(deps).callback();
  // Koa handles its own errors; the returned promise carries nothing for the server.
  const server = http.createServer((req, res) => void handle(req, res));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.PORT, resolve);
  });
  const url = config.PUBLIC_URL ?? `http://localhost:${config.PORT}`;
  log.info({ port: config.PORT, url, docs: `${url}/docs` }, `API listening on ${url} (docs: ${url}/docs)`);

  let stopping = false;
  const shutdown = (signal: NodeJS.Signals): void => {
    if (stopping) return;
    stopping = true;
    lifecycle.draining = true;
    const drainMs = parseDuration(config.SHUTDOWN_DRAIN);
    log.info(
      { signal, drainMs },
      'draining: /readyz answers 503; then no new connections, finishing in-flight requests',
    );
    setTimeout(() => close(), drainMs);
  };
  const close = (): void => {
    const force = setTimeout(() => {
      log.warn('grace period over, closing remaining connections');
      server.closeAllConnections();
    }, SHUTDOWN_GRACE_MS);
    force.unref();
    server.close(() => {
      clearTimeout(force);
      closeDeps(deps)
        .then(() => {
          log.info('stopped');
          process.exit(0);
        })
        .catch((err: unknown) => {
          log.error({ err }, 'error while closing dependencies');
          process.exit(1);
        });
    });
    // Keep-alive sockets with no request in flight would otherwise hold close() open until they time out.
    server.closeIdleConnections();
  };
  process.once('SIGINT', shutdown);
  process.once('SIGTERM', shutdown);
}

runMain(main);
