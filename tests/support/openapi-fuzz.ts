/**
 * Request generators derived from our OpenAPI document (which is generated from the same zod schemas that
 * validate requests), for property-based tests: every operation, with well-formed, subtly wrong and
 * outright garbage inputs.
 */
import fc from 'fast-check';

type Schema = {
  type?: string | string[];
  enum?: unknown[];
  properties?: Record<string, Schema>;
  required?: string[];
  items?: Schema;
  format?: string;
  minimum?: number;
  maximum?: number;
  minLength?: number;
  maxLength?: number;
  anyOf?: Schema[];
  oneOf?: Schema[];
  $ref?: string;
};

export interface Operation {
  method: string;
  /** OpenAPI path (`/api/courses/{id}`). */
  path: string;
  pathParams: string[];
  query: { name: string; schema: Schema }[];
  body?: Schema;
}

interface OpenApiDoc {
  paths: Record<
    string,
    Record<
      string,
      {
        parameters?: { in: string; name: string; schema?: Schema }[];
        requestBody?: { content?: Record<string, { schema?: Schema }> };
      }
    >
  >;
  components?: { schemas?: Record<string, Schema> };
}

export function operationsOf(doc: OpenApiDoc): Operation[] {
  const resolve = (schema: Schema | undefined): Schema | undefined =>
    schema?.$ref ? doc.components?.schemas?.[schema.$ref.replace('#/components/schemas/', '')] : schema;
  return Object.entries(doc.paths).flatMap(([path, methods]) =>
    Object.entries(methods).map(([method, op]) => ({
      method,
      path,
      pathParams: (op.parameters ?? []).filter((p) => p.in === 'path').map((p) => p.name),
      query: (op.parameters ?? [])
        .filter((p) => p.in === 'query')
        .map((p) => ({ name: p.name, schema: resolve(p.schema) ?? {} })),
      body: resolve(op.requestBody?.content?.['application/json']?.schema),
    })),
  );
}

/** Values that fit the schema most of the time, and break it (type, range, format) some of the time. */
export function valueFor(schema: Schema | undefined, depth = 0): fc.Arbitrary<unknown> {
  const wrong = fc.oneof(
    fc.constant(null),
    fc.string({ maxLength: 20 }),
    fc.integer(),
    fc.boolean(),
    fc.constant({}),
    fc.constant([]),
  );
  if (!schema || depth > 3) return fc.jsonValue({ maxDepth: 2 });
  const variants = schema.anyOf ?? schema.oneOf;
  if (variants) return fc.oneof(...variants.map((s) => valueFor(s, depth + 1)), wrong);
  if (schema.enum)
    return fc.oneof({ weight: 4, arbitrary: fc.constantFrom(...schema.enum) }, { weight: 1, arbitrary: wrong });
  const type = Array.isArray(schema.type) ? schema.type[0] : schema.type;
  const fitting: fc.Arbitrary<unknown> = (() => {
    switch (type) {
      case 'string':
        if (schema.format === 'uuid') return fc.uuid();
        if (schema.format === 'email') return fc.emailAddress();
        if (schema.format === 'date-time') return fc.date({ noInvalidDate: true }).map((d) => d.toISOString());
        return fc.string({ minLength: schema.minLength ?? 0, maxLength: Math.min(schema.maxLength ?? 40, 600) });
      case 'integer':
        return fc.oneof(
          fc.integer({ min: schema.minimum ?? -1_000_000, max: schema.maximum ?? 1_000_000 }),
          fc.constantFrom(0, -1, 2 ** 31, Number.MAX_SAFE_INTEGER),
        );
      case 'number':
        return fc.oneof(
          fc.double({ noNaN: true, noDefaultInfinity: true, min: schema.minimum, max: schema.maximum }),
          fc.constantFrom(0.001, -0.5, 1e308),
        );
      case 'boolean':
        return fc.boolean();
      case 'array':
        return fc.array(valueFor(schema.items, depth + 1), { maxLength: 4 });
      case 'object': {
        const props = schema.properties ?? {};
        // Optional keys come and go; missing required keys come from the `wrong` and free-JSON variants.
        return fc.record(Object.fromEntries(Object.entries(props).map(([k, s]) => [k, valueFor(s, depth + 1)])), {
          requiredKeys: (schema.required ?? []).filter((k) => k in props),
        });
      }
      default:
        return fc.jsonValue({ maxDepth: 2 });
    }
  })();
  return fc.oneof({ weight: 5, arbitrary: fitting }, { weight: 1, arbitrary: wrong });
}

const pathSegment = fc.oneof(
  { weight: 4, arbitrary: fc.uuid() },
  { weight: 1, arbitrary: fc.constantFrom('0', '-1', 'null', '%00', '..%2F..', 'a'.repeat(300), '🙂') },
  { weight: 1, arbitrary: fc.string({ minLength: 1, maxLength: 30 }).map(encodeURIComponent) },
);

export interface FuzzRequest {
  method: string;
  url: string;
  body: unknown;
  /** Sent as raw bytes instead of JSON (malformed JSON, wrong content type). */
  raw?: { contentType: string; text: string };
}

export function requestFor(op: Operation, knownIds: string[]): fc.Arbitrary<FuzzRequest> {
  const segment = knownIds.length ? fc.oneof(pathSegment, fc.constantFrom(...knownIds)) : pathSegment;
  const params = fc.tuple(...op.pathParams.map(() => segment));
  const query = fc.record(
    Object.fromEntries(
      op.query.map((q) => [q.name, fc.oneof(valueFor(q.schema).map(String), fc.string({ maxLength: 10 }))]),
    ),
    { requiredKeys: [] },
  );
  const body = fc.oneof(
    { weight: 6, arbitrary: valueFor(op.body).map((value) => ({ body: value, raw: undefined })) },
    { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 3 }).map((value) => ({ body: value, raw: undefined })) },
    {
      weight: 1,
      arbitrary: fc
        .oneof(
          fc.string({ maxLength: 40 }).map((text) => ({ contentType: 'application/json', text: `{${text}` })),
          fc.string({ maxLength: 40 }).map((text) => ({ contentType: 'text/plain', text })),
        )
        .map((raw) => ({ body: undefined, raw })),
    },
  );
  return fc.tuple(params, query, body).map(([values, q, b]) => {
    let url = op.path;
    op.pathParams.forEach((name, i) => (url = url.replace(`{${name}}`, String(values[i]))));
    const search = new URLSearchParams(q as Record<string, string>).toString();
    return { method: op.method, url: search ? `${url}?${search}` : url, body: b.body, raw: b.raw };
  });
}
