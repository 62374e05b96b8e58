/** The Koa context every route and middleware sees: per-request state and what the app lends to every request. */
import type { RouterContext, RouterMiddleware, RouterInstance } from '@koa/router';
import type { OpenAPIRegistry } from '@asteasolutions/zod-to-openapi';
import type pino from 'pino';
import type { AuthUser } from '../../accounts/identity';
import type { ApiDeps } from '../../deps';
import type { RateLimiter } from '../rate-limit';

/** `ctx.state` of every request. */
export interface AppState {
  requestId: string;
  /** pino child logger bound to the request id — use it in handlers so log lines can be correlated. */
  log: pino.Logger;
  /** Set by the auth middleware when a valid bearer token was sent. */
  user?: AuthUser;
}

/** Properties on `app.context` (shared by all requests). */
export interface AppContextExtensions {
  deps: ApiDeps;
  rateLimiter: RateLimiter;
}

export type AppContext = RouterContext<AppState, AppContextExtensions>;
export type AppRouter = RouterInstance<AppState, AppContextExtensions>;
export type AppMiddleware = RouterMiddleware<AppState, AppContextExtensions>;

/** A feature's routes: listed once in `src/api/routes/index.ts`. */
export type RouteModule = (router: AppRouter, registry: OpenAPIRegistry, deps: ApiDeps) => void;

/** The body koa-body parsed (its type augmentation targets its own @types/koa copy); untrusted input. */
export function parsedBody(ctx: AppContext): unknown {
  return (ctx.request as { body?: unknown }).body;
}
