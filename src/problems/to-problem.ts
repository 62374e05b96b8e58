import { ServiceError } from '@temporalio/client';
import { ZodError } from 'zod';
import {
  badRequest,
  conflict,
  HttpProblem,
  notFound,
  payloadTooLarge,
  unavailable,
  unsupportedMediaType,
  validationProblem,
} from './http-problem';

/**
 * What anything thrown while serving a request means to the client — the one place that decides it for every
 * route: a problem thrown on purpose as it is, a client's bad input (body parser, Postgres refusing a value) a
 * 4xx, a dependency that is down a 503 "retry", everything else a 500 whose cause only the log sees.
 */

interface ErrorLike {
  name?: unknown;
  cause?: unknown;
  message?: unknown;
  code?: unknown;
  status?: unknown;
  statusCode?: unknown;
  expose?: unknown;
  type?: unknown;
  constraint?: unknown;
  nativeError?: unknown;
}

function asErrorLike(err: unknown): ErrorLike {
  return typeof err === 'object' && err !== null ? (err as ErrorLike) : {};
}

/** SQLSTATE of a pg error, also when objection/db-errors wrapped it. */
function sqlState(err: unknown): string | undefined {
  const e = asErrorLike(err);
  if (typeof e.code === 'string' && /^[0-9A-Z]{5}$/.test(e.code)) return e.code;
  return e.nativeError ? sqlState(e.nativeError) : undefined;
}

/**
 * Postgres errors a client can provoke with its input are 4xx, never 500.
 * (A route that expects a specific one — e.g. duplicate email — maps it itself first, with a better message.)
 */
function fromPostgres(code: string, err: unknown): HttpProblem | undefined {
  const message = typeof asErrorLike(err).message === 'string' ? String(asErrorLike(err).message) : '';
  switch (code) {
    case '22P02': // invalid_text_representation: 'abc' for a uuid / integer column
    case '22007': // invalid_datetime_format
    case '22008': // datetime_field_overflow
      return badRequest('A value has an invalid format (e.g. an id that is not a UUID)');
    case '22001': // string_data_right_truncation
      return badRequest('A value is too long');
    case '22021': // character_not_in_repertoire: a NUL byte in text
    case '22P05': // untranslatable_character
      return badRequest('A text value contains a character that cannot be stored (e.g. a NUL byte)');
    case '22003': // numeric_value_out_of_range
      return badRequest('A numeric value is out of range');
    case '23502': // not_null_violation
      return badRequest('A required value is missing');
    case '23514': // check_violation
      return badRequest('A value violates a data constraint');
    case '23503': // foreign_key_violation
      return /still referenced/.test(message)
        ? conflict('The resource is still referenced by other resources')
        : badRequest('A referenced resource does not exist');
    case '23505': // unique_violation
      return conflict('The resource already exists');
    case '23P01': // exclusion_violation
      return conflict('The request conflicts with an existing resource');
    case '40001': // serialization_failure
    case '40P01': // deadlock_detected
    case '55P03': // lock_not_available
    case '57014': // query_canceled (statement timeout)
      return unavailable('The request could not be completed right now, please retry', 1);
    case '57P01': // admin_shutdown: the server is stopping or restarting (a failover)
    case '57P02': // crash_shutdown
    case '57P03': // cannot_connect_now: starting up or shutting down
    case '53300': // too_many_connections
      return dependencyUnavailable();
    default:
      // Class 08, connection exceptions: the connection broke under the request.
      return code.startsWith('08') ? dependencyUnavailable() : undefined;
  }
}

/** The 400 for a JSON body with a `__proto__` key, which the parser will not read (it could poison prototypes). */
export const FORBIDDEN_JSON_KEY = 'JSON keys named "__proto__" are not accepted, at any depth';

const dependencyUnavailable = () => unavailable('The service is temporarily unavailable, please retry', 1);

/** Socket errors reaching a dependency (Postgres, S3, …): the same request may well succeed a moment later. */
const CONNECTION_ERROR_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
]);

/** A dependency could not be reached, or the connection to it broke — this error, or one it wraps. */
function isConnectionFailure(err: unknown, depth = 0): boolean {
  const e = asErrorLike(err);
  if (e.name === 'KnexTimeoutError') return true;
  if (typeof e.code === 'string' && CONNECTION_ERROR_CODES.has(e.code)) return true;
  // pg gives no code when the server drops a connection mid-query (knex puts the SQL in front of the message).
  if (typeof e.message === 'string' && /Connection (terminated|ended) unexpectedly/.test(e.message)) return true;
  const inner = e.nativeError ?? e.cause;
  return inner !== undefined && depth < 3 && isConnectionFailure(inner, depth + 1);
}

/**
 * Temporal (its client's ServiceError: the server unreachable, or refusing the call) or S3 (an AWS SDK error, which
 * carries `$metadata`) failing under a request that did not handle it: not the client's doing, and every route's
 * step is safe to repeat. These answer later than a dropped database connection, hence the longer Retry-After.
 */
function isServiceFailure(err: unknown, depth = 0): boolean {
  if (err instanceof ServiceError) return true;
  const e = asErrorLike(err);
  if ((e as { $metadata?: unknown }).$metadata !== undefined || e.name === 'TimeoutError') return true;
  return e.cause !== undefined && depth < 3 && isServiceFailure(e.cause, depth + 1);
}

const serviceUnavailable = () => unavailable('A service this request needs is temporarily unavailable, retry', 5);

/** Turns anything thrown into a problem; `internal` marks the ones whose cause must not be shown. */
export function toProblem(err: unknown): { problem: HttpProblem; internal: boolean } {
  // Thrown on purpose: its detail is meant for the client.
  if (err instanceof HttpProblem) return { problem: err, internal: false };

  if (err instanceof ZodError) {
    const errors = err.issues.map((i) => ({ field: i.path.join('.') || 'body', message: i.message }));
    return { problem: validationProblem(errors), internal: false };
  }

  const e = asErrorLike(err);
  const status = typeof e.status === 'number' ? e.status : typeof e.statusCode === 'number' ? e.statusCode : undefined;

  // co-body / raw-body (through koa-body) tag their errors with `type`.
  if (e.type === 'entity.too.large' || status === 413) {
    return { problem: payloadTooLarge(), internal: false };
  }
  if (status === 400 && err instanceof SyntaxError && err.message === 'Object contains forbidden prototype property') {
    // co-body's JSON parser (bourne) refuses keys that could poison prototypes; say so rather than "malformed".
    return { problem: badRequest(FORBIDDEN_JSON_KEY, { field: 'body', in: 'body' }), internal: false };
  }
  if (e.type === 'entity.parse.failed' || (status === 400 && err instanceof SyntaxError)) {
    return { problem: badRequest('Malformed JSON body'), internal: false };
  }
  if (e.type === 'encoding.unsupported' || e.type === 'charset.unsupported') {
    return { problem: unsupportedMediaType('Unsupported content encoding or charset'), internal: false };
  }

  const code = sqlState(err);
  if (code) {
    const problem = fromPostgres(code, err);
    if (problem) return { problem, internal: problem.status >= 500 };
  }

  const name = typeof e.name === 'string' ? e.name : '';
  if (name === 'ValidationError' && status === 400 && typeof e.message === 'string') {
    // objection's jsonSchema validation: messages name the property, nothing internal.
    return { problem: badRequest(e.message), internal: false };
  }
  if (name === 'NotFoundError' && status === 404) {
    // objection's throwIfNotFound()
    return { problem: notFound(), internal: false };
  }

  // http-errors (ctx.throw, koa, the router) mark client errors whose message is safe to show with `expose`.
  if (status !== undefined && status >= 400 && status < 500) {
    const detail = e.expose === true && typeof e.message === 'string' ? e.message : undefined;
    return { problem: new HttpProblem(status, detail), internal: false };
  }

  if (isServiceFailure(err)) return { problem: serviceUnavailable(), internal: true };
  if (isConnectionFailure(err)) return { problem: dependencyUnavailable(), internal: true };

  return {
    problem: new HttpProblem(500, 'An unexpected error occurred. Quote the request id when reporting it.'),
    internal: true,
  };
}
