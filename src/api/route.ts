import { createHash } from 'node:crypto';
import { STATUS_CODES } from 'node:http';
import {
  extendZodWithOpenApi,
  OpenAPIRegistry,
  type ResponseConfig,
  type RouteConfig,
} from '@asteasolutions/zod-to-openapi';
import type { RouterContext, RouterMiddleware, RouterInstance } from '@koa/router';
import type { Knex } from 'knex';
import type pino from 'pino';
import { z } from 'zod';
import type { ApiDeps } from '../deps';
import { assertRole, assertUser, type AuthUser, type Role } from './auth';
import type { RateLimiter, RateLimitPolicy } from './rate-limit';
import {
  badRequest,
  conflict,
  type FieldError,
  type FieldIssue,
  payloadTooLarge,
  problemTypes,
  unsupportedMediaType,
  validationProblem,
} from '../problems/http-problem';

// Once per process: adds `.openapi()` to zod's schemas. Idempotent; every module that calls `.openapi()` imports a
// value from this one (defineRoute, Timestamp), so the extension is in place before such a schema is built.
extendZodWithOpenApi(z);

// --- app-wide types --------------------------------------------------------------------------

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

// --- shared schemas --------------------------------------------------------------------------

export const ProblemSchema = z
  .object({
    type: z.string(),
    title: z.string(),
    status: z.number().int(),
    detail: z.string(),
    instance: z.string(),
    requestId: z.string(),
    errors: z
      .array(
        z.object({
          field: z.string(),
          message: z.string(),
          in: z.enum(['path', 'query', 'header', 'body']).optional(),
        }),
      )
      .optional(),
  })
  .openapi('Problem', { description: 'RFC 7807 problem details' });

/** A timestamp in responses: accepts the `Date` pg returns (or a string), emits ISO 8601. */
export const Timestamp = z
  .union([z.date(), z.string()])
  .transform((v, ctx) => {
    const date = new Date(v);
    if (Number.isNaN(date.getTime())) {
      ctx.issues.push({ code: 'custom', message: 'Invalid date', input: v });
      return z.NEVER;
    }
    return date.toISOString();
  })
  .openapi({ type: 'string', format: 'date-time' });

/** Path params `{ id: uuid }` — validating here turns a bad id into a 400 before it reaches SQL. */
export const IdParams = z.object({ id: z.uuid() });

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

// --- route definition ------------------------------------------------------------------------

export type HttpMethod = 'get' | 'post' | 'put' | 'patch' | 'delete';

/** 'public': anyone; 'user': any signed-in user; a role list: signed in with one of these roles. */
export type AuthRequirement = 'public' | 'user' | readonly [Role, ...Role[]];

/** A response: its body schema, `null` for no body (204), or a full description. */
export type ResponseSpec = z.ZodType | null | { description: string; schema?: z.ZodType; contentType?: string };
export type ResponsesSpec = { [status: number]: ResponseSpec };

type ObjectSchema = z.ZodObject;

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
  /** Query values arrive as strings: use z.coerce.number(), z.stringbool(), defaults. */
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

type Parsed<S, Fallback> = S extends z.ZodType ? z.output<S> : Fallback;

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

    const policy = spec.rateLimit ?? (spec.path.startsWith('/api/') ? 'general' : false);
    if (policy) await ctx.rateLimiter.consume(policy, { user, ip: ctx.ip });

    if (spec.body && ctx.request.is('application/json', '+json') === false) {
      throw unsupportedMediaType('Content-Type must be application/json');
    }

    const errors: FieldIssue[] = [];
    const input = {
      params: spec.params ? parsePart(spec.params, ctx.params, 'path', errors) : ctx.params,
      query: spec.query ? parsePart(spec.query, ctx.query, 'query', errors) : {},
      headers: spec.headers ? parsePart(spec.headers, ctx.headers, 'header', errors) : {},
      body: spec.body ? parsePart(spec.body, requestBody(ctx), 'body', errors) : undefined,
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

function requestBody(ctx: AppContext): unknown {
  // Set by koa-body (whose type augmentation targets its own @types/koa copy); untrusted input.
  return (ctx.request as { body?: unknown }).body;
}

function parsePart(
  schema: z.ZodType,
  value: unknown,
  where: NonNullable<FieldError['in']>,
  errors: FieldIssue[],
): unknown {
  const result = parseRequestPart(schema, value, where);
  if (result.success) return result.data;
  errors.push(...result.issues);
  return undefined;
}

/** Parses one part of a request; its issues become field errors, each marked whether the schema worded its message. */
export function parseRequestPart<S extends z.ZodType>(
  schema: S,
  value: unknown,
  where: NonNullable<FieldError['in']>,
): { success: true; data: z.output<S> } | { success: false; issues: FieldIssue[] } {
  // zod consults this parse-level map only for issues the schema gave no message of its own: the generic ones.
  const generic = new Set<string>();
  const issueKey = (path: readonly PropertyKey[], code: string) => `${code} ${path.map(String).join('.')}`;
  const result = schema.safeParse(value, {
    error: (issue) => {
      generic.add(issueKey(issue.path ?? [], issue.code ?? ''));
      return friendlyMessage(issue);
    },
  });
  if (result.success) return { success: true, data: result.data };
  const issues = result.error.issues.map((issue) => ({
    field: issue.path.map(String).join('.') || (where === 'body' ? 'body' : where),
    message: issue.message,
    in: where,
    worded: !generic.has(issueKey(issue.path, issue.code)),
  }));
  return { success: false, issues };
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  return typeof value;
}

/**
 * Human messages for the common issues (zod 4's defaults read "Too small: expected string to have
 * >=3 characters"). Never echoes the input — it may be a password. Unlisted issues keep zod's text.
 */
function friendlyMessage(issue: z.core.$ZodRawIssue): string | undefined {
  switch (issue.code) {
    case 'invalid_type':
      return issue.input === undefined ? 'Required' : `Expected ${issue.expected}, received ${describe(issue.input)}`;
    case 'too_small': {
      const min = String(issue.minimum);
      if (issue.origin === 'string') return `String must contain at least ${min} character(s)`;
      if (issue.origin === 'array' || issue.origin === 'set') return `Array must contain at least ${min} element(s)`;
      return `Number must be greater than ${issue.inclusive ? 'or equal to ' : ''}${min}`;
    }
    case 'too_big': {
      const max = String(issue.maximum);
      if (issue.origin === 'string') return `String must contain at most ${max} character(s)`;
      if (issue.origin === 'array' || issue.origin === 'set') return `Array must contain at most ${max} element(s)`;
      return `Number must be less than ${issue.inclusive ? 'or equal to ' : ''}${max}`;
    }
    case 'invalid_format':
      return issue.format === 'regex' ? 'Invalid format' : `Invalid ${issue.format}`;
    case 'invalid_value':
      return `Expected one of: ${issue.values.map((v) => (typeof v === 'bigint' ? String(v) : JSON.stringify(v))).join(', ')}`;
    case 'unrecognized_keys':
      return `Unrecognized key(s): ${issue.keys.join(', ')}`;
    default:
      return undefined;
  }
}

function responseSchema(spec: ResponseSpec | undefined): z.ZodType | undefined {
  if (spec == null) return undefined;
  if (spec instanceof z.ZodType) return spec;
  return spec.schema;
}

function serializeResponse(
  spec: { method: string; path: string; responses: ResponsesSpec },
  status: number,
  result: unknown,
): unknown {
  if (!(status in spec.responses)) {
    throw new Error(`${spec.method.toUpperCase()} ${spec.path} answered ${status}, which its responses do not declare`);
  }
  const schema = responseSchema(spec.responses[status]);
  if (!schema) return result;
  const parsed = schema.safeParse(result);
  if (!parsed.success) {
    // A server bug, not a client error: 500 and the issues in the log.
    const issues = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
    throw new Error(
      `${spec.method.toUpperCase()} ${spec.path} ${status} response does not match its schema: ${issues}`,
    );
  }
  return parsed.data;
}

// --- OpenAPI ---------------------------------------------------------------------------------

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

function toOpenApiOperation(
  spec: RouteSpec<
    ObjectSchema | undefined,
    ObjectSchema | undefined,
    z.ZodType | undefined,
    ObjectSchema | undefined,
    AuthRequirement,
    ResponsesSpec
  >,
): RouteConfig {
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

// --- idempotency -----------------------------------------------------------------------------

export const IDEMPOTENCY_TTL_HOURS = 24;
/**
 * An unfinished key older than this is treated as abandoned (the process died mid-request) and
 * may be taken over; without it a crash would block the key for the whole 24 h.
 */
export const IDEMPOTENCY_LEASE_SECONDS = 300;

export interface IdempotencyOptions {
  knex: Knex;
  scope: string;
  userId: string;
  key: string;
}

interface IdempotencyRow {
  request_hash: string;
  response_status: number | null;
  response_body: unknown;
  /** Judged by the database's clock, like every other time of the key. */
  expired: boolean;
}

/** JSON with sorted keys, so `{a,b}` and `{b,a}` hash alike. */
function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

function requestHash(ctx: AppContext): string {
  return createHash('sha256')
    .update(`${ctx.method} ${ctx.path}?${ctx.querystring}\n${canonicalJson(requestBody(ctx))}`)
    .digest('hex');
}

/**
 * Runs `execute` at most once per (scope, user, key). The key row is claimed *before* the work
 * (INSERT ... ON CONFLICT DO NOTHING), so two concurrent duplicates cannot both execute: the loser
 * gets 409 "in progress". A finished key replays the stored status and body; a key reused with a
 * different request is a 409. Failures release the key so the client can retry.
 * Usable directly for routes not built with defineRoute.
 */
export async function withIdempotency(
  ctx: AppContext,
  options: IdempotencyOptions,
  execute: () => Promise<void>,
): Promise<void> {
  const { knex, scope, userId, key } = options;
  if (key.length > 255 || !/^[\x21-\x7e]+$/.test(key)) {
    throw badRequest('Idempotency-Key must be 1-255 visible ASCII characters', {
      field: 'Idempotency-Key',
      in: 'header',
    });
  }
  const hash = requestHash(ctx);
  const where = { scope, user_id: userId, key };
  const table = (): Knex.QueryBuilder => knex('idempotency_keys');
  /** A claim (or a takeover) holds the key for the TTL from now: its request may run until the lease ends. */
  const fresh = () => ({
    created_at: knex.fn.now(),
    expires_at: knex.raw(`now() + interval '${IDEMPOTENCY_TTL_HOURS} hours'`),
  });

  const claim = async (): Promise<boolean> => {
    const inserted = await table()
      .insert({ ...where, request_hash: hash, ...fresh() })
      .onConflict(['scope', 'user_id', 'key'])
      .ignore()
      .returning('key');
    return inserted.length > 0;
  };

  if (!(await claim())) {
    const row = (await table()
      .where(where)
      .first('request_hash', 'response_status', 'response_body', knex.raw('expires_at <= now() AS expired'))) as
      IdempotencyRow | undefined;
    if (!row || row.expired) {
      // Expired (or deleted meanwhile): forget it and claim afresh; a concurrent claimer wins the race cleanly.
      await table().where(where).where('expires_at', '<=', knex.fn.now()).delete();
      if (!(await claim())) throw inProgress();
    } else if (row.request_hash !== hash) {
      throw conflict('Idempotency-Key reused with a different request', { type: problemTypes.idempotencyMismatch });
    } else if (row.response_status === null) {
      const takenOver = await table()
        .where(where)
        .whereNull('response_status')
        .where('created_at', '<', knex.raw(`now() - interval '${IDEMPOTENCY_LEASE_SECONDS} seconds'`))
        .update(fresh())
        .returning('key');
      if (takenOver.length === 0) throw inProgress();
    } else {
      ctx.status = row.response_status;
      ctx.set('Idempotent-Replayed', 'true');
      if (row.response_body !== null) ctx.body = row.response_body;
      return;
    }
  }

  try {
    await execute();
  } catch (err) {
    await table().where(where).whereNull('response_status').delete();
    throw err;
  }
  if (ctx.status >= 400 || !isJsonBody(ctx.body)) {
    // Only successful JSON answers are replayable; anything else leaves the key free for a retry.
    await table().where(where).whereNull('response_status').delete();
    return;
  }
  const body = ctx.body ?? null;
  const id = body !== null && typeof body === 'object' && 'id' in body ? (body as { id: unknown }).id : undefined;
  await table()
    .where(where)
    .update({
      response_status: ctx.status,
      // pg would turn a JS array into a Postgres array; jsonb wants the JSON text.
      response_body: body === null ? null : JSON.stringify(body),
      resource_id: typeof id === 'string' ? id : null,
    });
}

function inProgress(): Error {
  return conflict('A request with this Idempotency-Key is still in progress', {
    type: problemTypes.idempotencyInProgress,
    headers: { 'Retry-After': '1' },
  });
}

function isJsonBody(body: unknown): boolean {
  if (body == null) return true;
  if (Buffer.isBuffer(body) || typeof body === 'string') return false;
  return typeof body === 'object' && typeof (body as { pipe?: unknown }).pipe !== 'function';
}

// --- raw bodies ------------------------------------------------------------------------------

/**
 * Reads the unparsed request body (the JSON parser skips /api/webhooks/*, so signatures can be
 * checked over the exact bytes). 413 beyond `limitBytes`.
 */
export async function readRawBody(ctx: AppContext, limitBytes = 1024 * 1024): Promise<Buffer> {
  const declared = Number(ctx.get('Content-Length') || 0);
  if (declared > limitBytes) throw payloadTooLarge();
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of ctx.req) {
    const buffer = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as string);
    size += buffer.length;
    if (size > limitBytes) throw payloadTooLarge();
    chunks.push(buffer);
  }
  return Buffer.concat(chunks);
}
