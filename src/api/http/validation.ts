/**
 * Request parts in, response bodies out, both through the route's zod schemas: bad input is a 400 problem that names
 * every field (in human words, never echoing the input); a response that does not match its schema is a server bug.
 */
import { z } from 'zod';
import type { FieldError, FieldIssue } from '../../problems/http-problem';
import { responseSchema, type ResponsesSpec } from './route-spec';

export function parsePart(
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

/** The handler's result through the declared response schema: columns it does not list never leave the server. */
export function serializeResponse(
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
