/** The OpenAPI document's registry and each route's operation in it, derived from the route's spec. */
import { STATUS_CODES } from 'node:http';
import { OpenAPIRegistry, type ResponseConfig, type RouteConfig } from '@asteasolutions/zod-to-openapi';
import { z } from 'zod';
import { type AnyRouteSpec, rateLimitPolicyOf, responseSchema } from './route-spec';
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
  for (const [name, header] of Object.entries(RESPONSE_HEADERS)) registry.registerComponent('headers', name, header);
  return registry;
}

/** Response headers the API sends, documented once under components/headers and referred to by every operation. */
type HeaderObject = Exclude<ResponseConfig['headers'], z.ZodObject | undefined>[string];
const RESPONSE_HEADERS: Record<'X-Request-Id' | 'Retry-After' | 'Idempotent-Replayed', HeaderObject> = {
  'X-Request-Id': {
    description:
      'Id of this request in the server logs (and in problem bodies as `requestId`); a sane `X-Request-Id` sent by the client is kept',
    schema: { type: 'string' },
  },
  'Retry-After': { description: 'Seconds to wait before retrying', schema: { type: 'integer', minimum: 0 } },
  'Idempotent-Replayed': {
    description: 'Present (`true`) when the response is the stored first answer to this `Idempotency-Key`',
    schema: { type: 'string', enum: ['true'] },
  },
};

/** Statuses whose problem says when to retry. */
const RETRYABLE = new Set([429, 503]);

const headerRef = (name: keyof typeof RESPONSE_HEADERS) => ({ $ref: `#/components/headers/${name}` });

export function toOpenApiPath(koaPath: string): string {
  return koaPath.replace(/:([A-Za-z0-9_]+)/g, '{$1}');
}

function operationId(method: string, path: string): string {
  const words = `${method} ${path}`.split(/[^A-Za-z0-9]+/).filter(Boolean);
  return words.map((w, i) => (i === 0 ? w.toLowerCase() : w[0].toUpperCase() + w.slice(1))).join('');
}

const problemResponse = (description: string, retryAfter = false): ResponseConfig => ({
  description,
  headers: {
    'X-Request-Id': headerRef('X-Request-Id'),
    ...(retryAfter && { 'Retry-After': headerRef('Retry-After') }),
  },
  content: { 'application/problem+json': { schema: ProblemSchema } },
});

/** The OpenAPI operation of a route, from the same spec that defines it. */
export function toOpenApiOperation(spec: AnyRouteSpec): RouteConfig {
  const responses: RouteConfig['responses'] = {};
  for (const [status, response] of Object.entries(spec.responses)) {
    const described = response && !(response instanceof z.ZodType) ? response : undefined;
    const description = described?.description ?? STATUS_CODES[Number(status)] ?? 'Response';
    const schema = responseSchema(response);
    const headers = {
      'X-Request-Id': headerRef('X-Request-Id'),
      ...(spec.idempotent && Number(status) < 300 && { 'Idempotent-Replayed': headerRef('Idempotent-Replayed') }),
    };
    if (schema) {
      responses[status] = {
        description,
        headers,
        content: { [described?.contentType ?? 'application/json']: { schema } },
      };
    } else if (Number(status) < 400) {
      responses[status] = { description, headers };
    } else {
      // An error status declared only to document its meaning ('Email already registered') is a problem body.
      responses[status] = problemResponse(description, RETRYABLE.has(Number(status)));
    }
  }
  const add = (status: string, description: string, retryAfter = false): void => {
    responses[status] ??= problemResponse(description, retryAfter);
  };
  if (spec.params || spec.query || spec.body || spec.headers || spec.idempotent) add('400', 'Invalid request');
  if (spec.auth !== 'public') add('401', 'Authentication required or token invalid');
  if (Array.isArray(spec.auth)) add('403', spec.forbiddenMessage ?? `Requires role ${spec.auth.join(' or ')}`);
  if (spec.idempotent) add('409', 'Idempotency-Key reused with a different request, or still in progress', true);
  if (rateLimitPolicyOf(spec)) add('429', 'Too many requests: retry after `Retry-After` seconds', true);
  add('503', 'A service this request needs is temporarily unavailable: retry after `Retry-After` seconds', true);
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
