/** What a route declares (method, path, auth, request and response schemas) and what its handler gets and returns. */
import type { RouteConfig } from '@asteasolutions/zod-to-openapi';
import { z } from 'zod';
import type { AuthUser, Role } from '../../accounts/identity';
import type { RateLimitPolicy } from '../rate-limit';
import type { AppContext } from './context';

export type HttpMethod = 'get' | 'post' | 'put' | 'patch' | 'delete';

/** 'public': anyone; 'user': any signed-in user; a role list: signed in with one of these roles. */
export type AuthRequirement = 'public' | 'user' | readonly [Role, ...Role[]];

/** A response: its body schema, `null` for no body (204), or a full description. */
export type ResponseSpec = z.ZodType | null | { description: string; schema?: z.ZodType; contentType?: string };
export type ResponsesSpec = { [status: number]: ResponseSpec };

export type ObjectSchema = z.ZodObject;

export interface RouteSpec<
  P extends ObjectSchema | undefined,
  Q extends ObjectSchema | undefined,
  B extends z.ZodType | undefined,
  H extends ObjectSchema | undefined,
  A extends AuthRequirement,
  R extends ResponsesSpec,
> {
  method: HttpMethod;
  /** Koa syntax (`/api/courses/:id`); becomes `/api/courses/{id}` in the OpenAPI document. */
  path: string;
  summary: string;
  description?: string;
  tags?: string[];
  /** Defaults to method + path in camelCase. */
  operationId?: string;
  auth: A;
  /** 403 detail when the role does not match, e.g. 'Only instructors can create courses'. */
  forbiddenMessage?: string;
  params?: P;
  /** Query values arrive as strings: use z.coerce.number(), QueryBoolean (http/schemas), defaults. */
  query?: Q;
  body?: B;
  /** Keys in lower case (Node lower-cases incoming header names). */
  headers?: H;
  /** Which request budget this route spends (rate-limit.ts); routes under /api/ default to 'general'. `false`: none. */
  rateLimit?: RateLimitPolicy | false;
  responses: R;
  /**
   * Idempotency scope (e.g. 'course.create'): honours the `Idempotency-Key` header, stores the
   * response for 24 h per (scope, user, key) in Postgres. Requires an authenticated route.
   */
  idempotent?: string;
  /** Extra OpenAPI operation fields, e.g. a multipart `request.body` for an upload route. */
  openapi?: Partial<Omit<RouteConfig, 'method' | 'path' | 'responses'>>;
}

export type Parsed<S, Fallback> = S extends z.ZodType ? z.output<S> : Fallback;

export interface RouteInput<P, Q, B, H, A> {
  params: Parsed<P, Record<string, string>>;
  query: Parsed<Q, Record<string, never>>;
  body: Parsed<B, undefined>;
  headers: Parsed<H, Record<string, never>>;
  /** Non-optional whenever the route requires authentication. */
  user: A extends 'public' ? AuthUser | undefined : AuthUser;
}

type ResponseBodyOf<S> = S extends z.ZodType
  ? z.input<S>
  : S extends { schema: infer T extends z.ZodType }
    ? z.input<T>
    : never;

/** What a handler may return: the input side of any declared response schema (or nothing). */
export type RouteResult<R extends ResponsesSpec> = { [K in keyof R]: ResponseBodyOf<R[K]> }[keyof R];

export type RouteHandler<P, Q, B, H, A, R extends ResponsesSpec> = (
  ctx: AppContext,
  input: RouteInput<P, Q, B, H, A>,
) => Promise<RouteResult<R> | void>;

/** Any route's spec, whatever its schemas. */
export type AnyRouteSpec = RouteSpec<
  ObjectSchema | undefined,
  ObjectSchema | undefined,
  z.ZodType | undefined,
  ObjectSchema | undefined,
  AuthRequirement,
  ResponsesSpec
>;

/** The request budget a route spends (rate-limit.ts): its own, or 'general' under /api/; `false` for none. */
export function rateLimitPolicyOf(spec: Pick<AnyRouteSpec, 'rateLimit' | 'path'>): RateLimitPolicy | false {
  return spec.rateLimit ?? (spec.path.startsWith('/api/') ? 'general' : false);
}

/** The body schema of a declared response, if it has one. */
export function responseSchema(spec: ResponseSpec | undefined): z.ZodType | undefined {
  if (spec == null) return undefined;
  if (spec instanceof z.ZodType) return spec;
  return spec.schema;
}
