import { STATUS_CODES } from 'node:http';

/**
 * RFC 7807 problem details: what services and routes throw when a request cannot be served as asked
 * (`badRequest`, `notFound`, `conflict`, `unavailable`, …). Neutral — no HTTP framework here — so that services
 * (src/checkout, src/courses, …) throw them as well as routes; the API renders them
 * (src/api/http/problem-middleware.ts), and `toProblem` (./to-problem.ts) turns everything else thrown into one.
 */

export interface FieldError {
  field: string;
  message: string;
  /** Where the field came from, so `id` in the path and `id` in the body stay distinguishable. */
  in?: 'path' | 'query' | 'header' | 'body';
}

export interface ProblemOptions {
  /** A URI identifying the problem type; `about:blank` means "see the status code". */
  type?: string;
  /** Extra members rendered next to the standard ones (e.g. `errors`). */
  extra?: Record<string, unknown>;
  /** Response headers that belong to the problem (WWW-Authenticate, Retry-After, Allow). */
  headers?: Record<string, string>;
  cause?: unknown;
}

export class HttpProblem extends Error {
  readonly status: number;
  readonly title: string;
  readonly detail: string;
  readonly type: string;
  readonly extra: Record<string, unknown>;
  readonly headers: Record<string, string>;

  constructor(status: number, detail?: string, options: ProblemOptions = {}) {
    const title = STATUS_CODES[status] ?? 'Error';
    super(detail ?? title, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'HttpProblem';
    this.status = status;
    this.title = title;
    this.detail = detail ?? title;
    this.type = options.type ?? 'about:blank';
    this.extra = options.extra ?? {};
    this.headers = options.headers ?? {};
  }
}

export const problemTypes = {
  validation: 'urn:edustream:problem:validation-error',
  idempotencyMismatch: 'urn:edustream:problem:idempotency-key-mismatch',
  idempotencyInProgress: 'urn:edustream:problem:idempotency-key-in-progress',
} as const;

export function badRequest(detail: string, options: { field?: string; in?: FieldError['in'] } = {}): HttpProblem {
  const extra = options.field
    ? { errors: [{ field: options.field, message: detail, ...(options.in && { in: options.in }) }] }
    : undefined;
  return new HttpProblem(400, detail, { extra });
}

/** A field error as found; `worded` when its message is a sentence of its own (the spec's wording, a schema's message). */
export interface FieldIssue extends FieldError {
  worded?: boolean;
}

/** 400 with every field error; the detail quotes worded messages as written and names the field of generic ones ("title: Required"). */
export function validationProblem(issues: FieldIssue[]): HttpProblem {
  const detail = issues.map((i) => (i.worded ? i.message : `${i.field}: ${i.message}`)).join('; ');
  const errors: FieldError[] = issues.map(({ worded: _worded, ...error }) => error);
  return new HttpProblem(400, detail, { type: problemTypes.validation, extra: { errors } });
}

export function unauthorized(detail = 'Authentication required', bearerError?: 'invalid_token'): HttpProblem {
  // RFC 6750 §3: tell the client which scheme to use, and why the token it sent was refused.
  const challenge = bearerError
    ? `Bearer error="${bearerError}", error_description="${detail.replace(/"/g, "'")}"`
    : 'Bearer';
  return new HttpProblem(401, detail, { headers: { 'WWW-Authenticate': challenge } });
}

export const forbidden = (detail = 'Access denied'): HttpProblem => new HttpProblem(403, detail);
export const notFound = (detail = 'Resource not found'): HttpProblem => new HttpProblem(404, detail);
export const conflict = (detail: string, options?: ProblemOptions): HttpProblem =>
  new HttpProblem(409, detail, options);
export const gone = (detail: string): HttpProblem => new HttpProblem(410, detail);
export const payloadTooLarge = (detail = 'Request body is too large'): HttpProblem => new HttpProblem(413, detail);
export const unsupportedMediaType = (detail: string): HttpProblem => new HttpProblem(415, detail);

export function methodNotAllowed(method: string, allow: string): HttpProblem {
  return new HttpProblem(405, `Method ${method} is not allowed on this resource`, {
    headers: allow ? { Allow: allow } : {},
  });
}

export function tooManyRequests(detail = 'Too many requests', retryAfterSeconds?: number): HttpProblem {
  return new HttpProblem(429, detail, {
    headers: retryAfterSeconds === undefined ? {} : { 'Retry-After': String(Math.ceil(retryAfterSeconds)) },
  });
}

/** 503; `extra` members tell the client how to retry when it is more than repeating the request. */
export function unavailable(
  detail = 'Service temporarily unavailable',
  retryAfterSeconds?: number,
  extra?: Record<string, unknown>,
): HttpProblem {
  return new HttpProblem(503, detail, {
    headers: retryAfterSeconds === undefined ? {} : { 'Retry-After': String(Math.ceil(retryAfterSeconds)) },
    extra,
  });
}
