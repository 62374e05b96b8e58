import type { Middleware } from 'koa';
import { HttpProblem, methodNotAllowed, notFound } from '../../problems/http-problem';
import { toProblem } from '../../problems/to-problem';
import type { AppState } from './context';

/**
 * Every error the API returns — ours, the body parser's, the router's, the database's — leaves through
 * `problemMiddleware` as RFC 7807 `application/problem+json`.
 */

function render(ctx: Parameters<Middleware<AppState>>[0], problem: HttpProblem): void {
  ctx.status = problem.status;
  for (const [name, value] of Object.entries(problem.headers)) ctx.set(name, value);
  ctx.type = 'application/problem+json';
  ctx.body = {
    ...problem.extra,
    type: problem.type,
    title: problem.title,
    status: problem.status,
    detail: problem.detail,
    instance: ctx.path,
    requestId: ctx.state.requestId,
  };
}

/**
 * Renders every error as application/problem+json. Also turns the empty 404/405/501 that the
 * router leaves behind into problems, so "no such route" looks like every other error.
 * The router answers 501 to a method it has no list for (TRACE, PROPFIND…): that is the client's choice, not a
 * server failure, so it becomes 405 with `Allow` like any other method the resource lacks (404 if no route matches
 * the path at all). Done here rather than with allowedMethods' `throw` option: its error factories get no
 * context, so they cannot name the allowed methods.
 */
export function problemMiddleware(): Middleware<AppState> {
  return async (ctx, next) => {
    try {
      await next();
      if (ctx.body == null && ctx.status >= 400) {
        if (ctx.status === 404) throw notFound(`No route matches ${ctx.method} ${ctx.path}`);
        if (ctx.status === 405 || ctx.status === 501) {
          const allow = String(ctx.response.get('Allow') ?? '');
          if (!allow) {
            ctx.remove('Allow'); // the router's empty list
            throw notFound(`No route matches ${ctx.method} ${ctx.path}`);
          }
          throw methodNotAllowed(ctx.method, allow);
        }
        throw new HttpProblem(ctx.status);
      }
    } catch (err) {
      const { problem, internal } = toProblem(err);
      if (internal) ctx.state.log.error({ err }, 'request failed');
      else if (problem.status >= 500) ctx.state.log.warn({ err }, problem.detail);

      if (ctx.headerSent || !ctx.writable) return; // too late to send a problem; the log line is all we can do
      render(ctx, problem);
    }
  };
}
