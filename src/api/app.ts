import { randomUUID } from 'node:crypto';
import Router from '@koa/router';
import type { OpenAPIRegistry } from '@asteasolutions/zod-to-openapi';
import Koa, { type Middleware } from 'koa';
import { koaBody } from 'koa-body';
import type pino from 'pino';
import type { ApiDeps } from '../deps';
import { authMiddleware } from './auth';
import { buildOpenApiDocument, docsRoutes, type OpenApiDocument } from './docs';
import { metricsEndpoint, requestMetrics, watchPool } from '../metrics/api';
import { corsPolicy, securityHeaders } from './http/browser';
import { clientAddress, proxySettings } from './http/client-address';
import { problemMiddleware } from './http/problem-middleware';
import { createRateLimiter } from './rate-limit';
import type { AppContextExtensions, AppRouter, AppState, RouteModule } from './http/context';
import { createApiRegistry } from './http/openapi';
import { routeModules as defaultRouteModules } from './routes';

export type App = Koa<AppState, AppContextExtensions>;

export interface CreateAppOptions {
  /** Defaults to `routeModules` from ./routes; tests may append their own. */
  routeModules?: RouteModule[];
}

export interface Api {
  app: App;
  router: AppRouter;
  registry: OpenAPIRegistry;
  openApiDocument(): OpenApiDocument;
}

/** Paths whose body must stay unread: webhook signatures are computed over the exact bytes. */
export const RAW_BODY_PREFIXES = ['/api/webhooks/'];

/** A client-chosen id is kept only if it cannot smuggle anything into logs or headers. */
const SANE_REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** Probes hit these every few seconds; logging each success would drown the real traffic. */
const QUIET_PATHS = new Set(['/healthz', '/readyz']);

function requestContext(log: pino.Logger): Middleware<AppState> {
  return async (ctx, next) => {
    const incoming = ctx.get('X-Request-Id');
    const requestId = SANE_REQUEST_ID.test(incoming) ? incoming : randomUUID();
    ctx.state.requestId = requestId;
    ctx.state.log = log.child({ requestId });
    ctx.set('X-Request-Id', requestId);

    const started = process.hrtime.bigint();
    try {
      await next();
    } finally {
      const ms = Math.round(Number(process.hrtime.bigint() - started) / 1e5) / 10;
      const line = { method: ctx.method, path: ctx.path, status: ctx.status, ms, userId: ctx.state.user?.id };
      if (ctx.status >= 500) ctx.state.log.error(line, 'request');
      else if (QUIET_PATHS.has(ctx.path) && ctx.status < 400) ctx.state.log.debug(line, 'request');
      else ctx.state.log.info(line, 'request');
    }
  };
}

function jsonBodyParser(): Middleware<AppState> {
  // JSON only: multipart uploads are streamed by their own routes, forms/text have no use here.
  // koa-body is typed against its own nested copy of @types/koa; at runtime it is a plain Koa middleware.
  const parse = koaBody({
    json: true,
    jsonLimit: '1mb',
    jsonStrict: true,
    multipart: false,
    urlencoded: false,
    text: false,
  }) as unknown as Middleware<AppState>;
  return (ctx, next) => (RAW_BODY_PREFIXES.some((p) => ctx.path.startsWith(p)) ? next() : parse(ctx, next));
}

export function buildApi(deps: ApiDeps, options: CreateAppOptions = {}): Api {
  const app: App = new Koa<AppState, AppContextExtensions>();
  // Behind a load balancer the client's address comes from its header (TRUST_PROXY): rate limits and audit rows use it.
  const proxy = proxySettings(deps.config);
  app.proxy = proxy.proxy;
  app.proxyIpHeader = proxy.proxyIpHeader;
  app.maxIpsCount = proxy.maxIpsCount;
  app.context.deps = deps;
  app.context.rateLimiter = createRateLimiter(deps.knex, deps.config.RATE_LIMITS_ENABLED);
  // Errors are rendered by problemMiddleware; what reaches Koa (e.g. a stream failing mid-response) is only logged.
  app.on('error', (err: unknown) => deps.log.error({ err }, 'response error'));

  const registry = createApiRegistry();
  const router: AppRouter = new Router<AppState, AppContextExtensions>();
  for (const register of options.routeModules ?? defaultRouteModules) register(router, registry, deps);
  docsRoutes(router, registry, deps.config);

  watchPool(deps.knex);
  app.use(metricsEndpoint());
  app.use(requestMetrics());
  app.use(clientAddress(proxy.trust));
  app.use(requestContext(deps.log));
  app.use(securityHeaders());
  app.use(corsPolicy(deps.config));
  app.use(problemMiddleware());
  app.use(jsonBodyParser());
  app.use(authMiddleware(deps.config));
  app.use(router.routes());
  // Leaves 405/501 (with Allow) for problemMiddleware to render, both as a 405 problem.
  app.use(router.allowedMethods());

  return { app, router, registry, openApiDocument: () => buildOpenApiDocument(registry, deps.config) };
}

export function createApp(deps: ApiDeps, options?: CreateAppOptions): App {
  return buildApi(deps, options).app;
}
