/**
 * The two servers `bench/progress.ts` compares, in one child process (so the load generator does not share
 * their event loop), each with its own knex pool of the same size:
 *  - api:  the real app (request id + logging, problem rendering, JSON body parser, JWT auth, router,
 *          defineRoute validation and response schema, ownership checks) serving PUT /api/enrollments/:id/progress/:lessonId;
 *  - bare: a Koa app with one middleware that parses the path and body by hand and runs the same statement
 *          (`saveLessonProgress`), trusting an `x-student-id` header — no auth, validation, logging or errors.
 * Reports both base URLs to the parent over IPC.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import Koa from 'koa';
import { buildApi } from '../src/api/app';
import { loadConfig } from '../src/config';
import { closeDeps, connectTemporal, createDeps, type ApiDeps } from '../src/deps';
import knexFactory from 'knex';
import { knexConfig } from '../src/db/knex';
import { saveLessonProgress } from '../src/learning/progress';

const PATH = /^\/api\/enrollments\/([^/]+)\/progress\/([^/]+)$/;

function readBody(req: http.IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => (body += chunk));
    req.on('end', () => resolve(body));
    req.on('error', reject);
  });
}

function listen(handler: http.RequestListener): Promise<{ server: http.Server; url: string }> {
  const server = http.createServer(handler);
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () =>
      resolve({ server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` }),
    ),
  );
}

async function main(): Promise<void> {
  const config = loadConfig(process.env);
  const base = createDeps(config, 'bench-api');
  const deps: ApiDeps = { ...base, temporal: await connectTemporal(config) };
  const api = buildApi(deps).app.callback();

  const bareKnex = knexFactory(knexConfig(config.DATABASE_URL)); // same pool settings as the app's
  const bare = new Koa();
  bare.use(async (ctx) => {
    const match = PATH.exec(ctx.path);
    if (ctx.method !== 'PUT' || !match) {
      ctx.status = 404;
      return;
    }
    const { progressSeconds } = JSON.parse(await readBody(ctx.req)) as { progressSeconds: number };
    const saved = await saveLessonProgress(bareKnex, {
      enrollmentId: match[1],
      lessonId: match[2],
      studentId: ctx.get('x-student-id'),
      progressSeconds: Math.floor(progressSeconds),
    });
    ctx.status = saved ? 200 : 400;
    ctx.body = saved ?? { error: 'rejected' };
  });
  const bareHandler = bare.callback();

  const servers = await Promise.all([
    listen((req, res) => void api(req, res)),
    listen((req, res) => void bareHandler(req, res)),
  ]);
  process.send?.({ apiUrl: servers[0].url, bareUrl: servers[1].url });

  process.once('SIGTERM', () => {
    for (const { server } of servers) server.closeAllConnections();
    void Promise.all([closeDeps(deps), bareKnex.destroy()]).finally(() => process.exit(0));
  });
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
