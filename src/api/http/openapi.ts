/** The OpenAPI document's registry and each route's operation in it, derived from the route's spec. */
import { STATUS_CODES } from 'node:http';
import { OpenAPIRegistry, type ResponseConfig, type RouteConfig } from '@asteasolutions/zod-to-openapi';
import { z } from 'zod';
import { type AnyRouteSpec, responseSchema } from './route-spec';
import { ProblemSchema } from './schemas';

export const BEARER_SCHEME = 'bearerAuth';

/** A registry with the pieces every route refers to (bearer scheme, Problem schema). */
export function createApiRegistry(): OpenAPIRegistry {
  const registry = new OpenAPIRegistry();
  registry.registerComponent('securitySchemes', BEARER_SCHEME, {
    type: 'http',
    scheme: 'bearer',
    bearerFormat: 'JWT',
    description: 'Token from POST /api/auth/login or /api/auth/register',
  });
  registry.register('Problem', ProblemSchema);
  return registry;
}

export function toOpenApiPath(koaPath: string): string {
  return koaPath.replace(/:([A-Za-z0-9_]+)/g, '{$1}');
}

function operationId(method: string, path: string): string {
  const words = `${method} ${path}`.split(/[^A-Za-z0-9]+/).filter(Boolean);
  return words.map((w, i) => (i === 0 ? w.toLowerCase() : w[0].toUpperCase() + w.slice(1))).join('');
}

const problemResponse = (description: string): ResponseConfig => ({
  description,
  content: { 'application/problem+json': { schema: ProblemSchema } },
});

/** The OpenAPI operation of a route, from the same spec that defines it. */
export function toOpenApiOperation(spec: AnyRouteSpec): RouteConfig {
  const responses: RouteConfig['responses'] = {};
  for (const [status, response] of Object.entries(spec.responses)) {
    const described = response && !(response instanceof z.ZodType) ? response : undefined;
    const description = described?.description ?? STATUS_CODES[Number(status)] ?? 'Response';
    const schema = responseSchema(response);
    if (schema) {
      responses[status] = { description, content: { [described?.contentType ?? 'application/json']: { schema } } };
    } else {
      // An error status declared only to document its meaning ('Email already registered') is a problem body.
      responses[status] = Number(status) >= 400 ? problemResponse(description) : { description };
    }
  }
  const add = (status: string, description: string): void => {
    responses[status] ??= problemResponse(description);
  };
  if (spec.params || spec.query || spec.body || spec.headers || spec.idempotent) add('400', 'Invalid request');
  if (spec.auth !== 'public') add('401', 'Authentication required or token invalid');
  if (Array.isArray(spec.auth)) add('403', spec.forbiddenMessage ?? `Requires role ${spec.auth.join(' or ')}`);
  if (spec.idempotent) add('409', 'Idempotency-Key reused with a different request, or still in progress');
  responses.default ??= problemResponse('Error');

  const idempotencyHeader = z.object({
    'idempotency-key': z
      .string()
      .max(255)
      .optional()
      .openapi({ description: 'Makes retries safe: the same key and body within 24 h returns the first response' }),
  });
  const headers = spec.idempotent
    ? spec.headers
      ? spec.headers.extend(idempotencyHeader.shape)
      : idempotencyHeader
    : spec.headers;

  return {
    method: spec.method,
    path: toOpenApiPath(spec.path),
    summary: spec.summary,
    description: spec.description,
    tags: spec.tags,
    operationId: spec.operationId ?? operationId(spec.method, spec.path),
    ...(spec.auth !== 'public' && { security: [{ [BEARER_SCHEME]: [] }] }),
    ...spec.openapi,
    request: {
      params: spec.params,
      query: spec.query,
      headers,
      ...(spec.body && { body: { required: true, content: { 'application/json': { schema: spec.body } } } }),
      ...spec.openapi?.request,
    },
    responses,
  };
}
