import type { OpenAPIRegistry } from '@asteasolutions/zod-to-openapi';
import type { z } from 'zod';
import { unsupportedMediaType, validationProblem, type FieldIssue } from '../../problems/http-problem';
import { assertRole, assertUser } from '../auth';
import { type AppMiddleware, type AppRouter, parsedBody } from './context';
import { withIdempotency } from './idempotency';
import { toOpenApiOperation } from './openapi';
import {
  rateLimitPolicyOf,
  type AuthRequirement,
  type ObjectSchema,
  type ResponsesSpec,
  type RouteHandler,
  type RouteInput,
  type RouteSpec,
} from './route-spec';
import { parsePart, serializeResponse } from './validation';

/**
 * Registers a Koa route and its OpenAPI operation from one spec.
 *
 * The handler receives validated, coerced input (400 problem naming every bad field otherwise)
 * and returns the response body: 200 by default, or whatever `ctx.status` it set (e.g. 201);
 * returning nothing gives 204 (or the status it set, with an empty body). The returned value is passed through the response schema, so
 * columns the schema does not list (password_hash...) never leave the server.
 */
export function defineRoute<
  const A extends AuthRequirement,
  R extends ResponsesSpec,
  P extends ObjectSchema | undefined = undefined,
  Q extends ObjectSchema | undefined = undefined,
  B extends z.ZodType | undefined = undefined,
  H extends ObjectSchema | undefined = undefined,
>(
  router: AppRouter,
  registry: OpenAPIRegistry,
  spec: RouteSpec<P, Q, B, H, A, R>,
  handler: RouteHandler<P, Q, B, H, A, R>,
): void {
  if (spec.idempotent && spec.auth === 'public') {
    throw new Error(`${spec.method.toUpperCase()} ${spec.path}: idempotent routes must require authentication`);
  }
  registry.registerPath(toOpenApiOperation(spec));

  const middleware: AppMiddleware = async (ctx) => {
    // Who first (401/403), then what (400): anonymous callers learn nothing about the payload format.
    const user =
      spec.auth === 'public'
        ? ctx.state.user
        : spec.auth === 'user'
          ? assertUser(ctx.state.user)
          : assertRole(ctx.state.user, spec.auth, spec.forbiddenMessage);

    const policy = rateLimitPolicyOf(spec);
    if (policy) await ctx.rateLimiter.consume(policy, { user, ip: ctx.ip });

    if (spec.body && ctx.request.is('application/json', '+json') === false) {
      throw unsupportedMediaType('Content-Type must be application/json');
    }

    const errors: FieldIssue[] = [];
    const input = {
      params: spec.params ? parsePart(spec.params, ctx.params, 'path', errors) : ctx.params,
      query: spec.query ? parsePart(spec.query, ctx.query, 'query', errors) : {},
      headers: spec.headers ? parsePart(spec.headers, ctx.headers, 'header', errors) : {},
      body: spec.body ? parsePart(spec.body, parsedBody(ctx), 'body', errors) : undefined,
      user,
    } as RouteInput<P, Q, B, H, A>; // the parts were parsed by exactly the schemas these types come from
    if (errors.length > 0) throw validationProblem(errors);

    const run = async (): Promise<void> => {
      ctx.status = 200;
      const result = await handler(ctx, input);
      if (result === undefined) {
        if (ctx.body != null) return; // the handler wrote the body itself (stream, redirect)
        if (ctx.status === 200) ctx.status = 204;
        else ctx.body = null; // an explicit empty body: otherwise Koa would send the status text ("Created")
        return;
      }
      ctx.body = serializeResponse(spec, ctx.status, result);
    };

    const key = ctx.get('Idempotency-Key');
    if (spec.idempotent && key && user) {
      await withIdempotency(ctx, { knex: ctx.deps.knex, scope: spec.idempotent, userId: user.id, key }, run);
    } else {
      await run();
    }
  };

  router.register(spec.path, [spec.method.toUpperCase()], middleware);
}
