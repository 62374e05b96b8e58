/** Schemas every route shares: the problem body, timestamps, `{ id }` path params. */
import { extendZodWithOpenApi } from '@asteasolutions/zod-to-openapi';
import { z } from 'zod';

// Once per process: adds `.openapi()` to zod's schemas. Idempotent; every module that calls `.openapi()` imports a
// value from this one (defineRoute, Timestamp), so the extension is in place before such a schema is built.
extendZodWithOpenApi(z);

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

/**
 * A timestamp or null (a draft's `publishedAt`). Its own schema because `Timestamp.nullable()` would inherit the
 * `type: 'string'` override above in the OpenAPI document, which would then forbid the null the server sends.
 */
export const NullableTimestamp = Timestamp.nullable().openapi({ type: ['string', 'null'], format: 'date-time' });

/**
 * A boolean query parameter: exactly `true` or `false`, as the document says (`type: boolean`). zod's default
 * stringbool also takes yes/on/1/enabled in any case, which a client reading the document cannot know.
 */
export const QueryBoolean = z
  .stringbool({ truthy: ['true'], falsy: ['false'], case: 'sensitive' })
  .openapi({ type: 'boolean' });

/** Path params `{ id: uuid }` — validating here turns a bad id into a 400 before it reaches SQL. */
export const IdParams = z.object({ id: z.uuid() });
