import { join, Sql, sql, unsafe } from './sql';

const list = (parts: Sql[]): Sql => join(parts, ', ');

/** The spec's sorts (MKT-009), in the spec's order; `relevance` exists only when there is a search query. */
export const LISTING_SORTS = ['newest', 'highest_rated', 'most_popular', 'price_asc', 'price_desc'] as const;
export const RELEVANCE = 'relevance';
export type SortName = (typeof LISTING_SORTS)[number] | typeof RELEVANCE;

/** How a key value travels through the cursor: as text, validated, and cast back to its exact SQL type. */
type KeyType = 'timestamptz' | 'numeric' | 'integer' | 'real' | 'uuid';

interface SortKey {
  /** The key over `courses c`. */
  expr: Sql;
  /** Its column in the page's inner select, which the outer query orders by and takes the cursor from. */
  name: string;
  type: KeyType;
}

export interface SortPlan {
  direction: 'asc' | 'desc';
  /** Every sort ends in `c.id`: unique, so the order is total and keyset paging never skips or repeats a tie. */
  keys: SortKey[];
}

/** The match condition and the rank use the same parsed query (web-search syntax: "phrases", or, -not). */
export const tsQuery = (q: string): Sql => sql`websearch_to_tsquery('english', ${q})`;

const column = (name: string, type: KeyType): SortKey => ({ expr: unsafe(`c.${name}`), name, type });
const id = column('id', 'uuid');

/**
 * Each sort and its keys. Where the main key ties often, a second key makes the order useful before id
 * settles it: equal averages → more ratings first; equal relevance → more enrolled students first.
 */
export function sortPlan(sort: SortName, q: string | undefined): SortPlan {
  switch (sort) {
    case 'newest':
      return { direction: 'desc', keys: [column('published_at', 'timestamptz'), id] };
    case 'highest_rated':
      return { direction: 'desc', keys: [column('rating_average', 'numeric'), column('rating_count', 'integer'), id] };
    case 'most_popular':
      return { direction: 'desc', keys: [column('enrollment_count', 'integer'), id] };
    case 'price_asc':
      return { direction: 'asc', keys: [column('list_price_cents', 'integer'), id] };
    case 'price_desc':
      return { direction: 'desc', keys: [column('list_price_cents', 'integer'), id] };
    case 'relevance':
      if (q === undefined) throw new Error('relevance needs a search query');
      return {
        direction: 'desc',
        keys: [
          { expr: sql`ts_rank(c.search_vector, ${tsQuery(q)})`, name: 'rank', type: 'real' },
          column('enrollment_count', 'integer'),
          id,
        ],
      };
  }
}

// --- key values as text (the cursor's currency) --------------------------------------------------

/**
 * The text form of a key, chosen to round-trip exactly: timestamps keep their microseconds (a JS Date
 * would drop them and make paging skip or repeat rows published in the same millisecond), numerics their
 * digits, and ts_rank's float4 its shortest exact text.
 */
function keyText(key: SortKey, table: string): Sql {
  const value = unsafe(`${table}.${key.name}`);
  return key.type === 'timestamptz'
    ? sql`to_char(${value} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`
    : sql`${value}::text`;
}

const KEY_PATTERNS: Record<KeyType, RegExp> = {
  timestamptz: /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/,
  numeric: /^-?\d{1,20}(\.\d{1,20})?$/,
  integer: /^-?\d{1,10}$/,
  real: /^-?\d{1,40}(\.\d{1,40})?(e[-+]?\d{1,3})?$/i,
  uuid: /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i,
};

function isValidKey(type: KeyType, value: unknown): value is string {
  if (typeof value !== 'string' || !KEY_PATTERNS[type].test(value)) return false;
  if (type === 'integer') return Math.abs(Number(value)) <= 2 ** 31;
  if (type === 'timestamptz') return !Number.isNaN(Date.parse(value));
  return true;
}

/** The inner select's key columns (`ts_rank(…) AS rank`; plain columns keep their name). */
export function keySelect(plan: SortPlan): Sql {
  return list(plan.keys.map((key) => sql`${key.expr} AS ${unsafe(key.name)}`));
}

/** The outer select's key texts, aliased k0, k1, …, read from the inner select `table`. */
export function keyTexts(plan: SortPlan, table: string): Sql {
  return list(plan.keys.map((key, i) => sql`${keyText(key, table)} AS ${unsafe(`k${i}`)}`));
}

export function keyValues(plan: SortPlan, row: Partial<Record<`k${number}`, unknown>>): string[] {
  return plan.keys.map((_, i) => String(row[`k${i}`]));
}

/** `(k0, k1, …) < (v0, v1, …)` (or `>` ascending): "after this row" in the sort order, one index range. */
export function afterCondition(plan: SortPlan, values: readonly string[]): Sql {
  const left = plan.keys.map((k) => k.expr);
  const right = plan.keys.map((k, i) => sql`${values[i]}::${unsafe(k.type)}`);
  return sql`(${list(left)}) ${unsafe(plan.direction === 'desc' ? '<' : '>')} (${list(right)})`;
}

/** ORDER BY over `courses c` (`table` omitted) or over the inner select's key columns. */
export function orderBy(plan: SortPlan, table?: string): Sql {
  const dir = plan.direction === 'desc' ? ' DESC' : ' ASC';
  return list(plan.keys.map((k) => sql`${table ? unsafe(`${table}.${k.name}`) : k.expr}${unsafe(dir)}`));
}

// --- the cursor -----------------------------------------------------------------------------------

/** Where the previous page ended, and the total counted for the first page (carried, not recounted). */
export interface CursorPosition {
  keys: string[];
  total: number;
}

/** Opaque to clients: base64url of `{"s": sort, "k": [key texts…, id], "t": total}`. */
export function encodeCursor(sort: SortName, position: CursorPosition): string {
  return Buffer.from(JSON.stringify({ s: sort, k: position.keys, t: position.total })).toString('base64url');
}

export type CursorDecoding = { ok: true; position: CursorPosition } | { ok: false; reason: string };

/** Validates a cursor against the sort it must continue: a cursor of another sort (or a forged one) is refused. */
export function decodeCursor(cursor: string, sort: SortName, q: string | undefined): CursorDecoding {
  const invalid = { ok: false, reason: 'Invalid cursor' } as const;
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    return invalid;
  }
  if (typeof parsed !== 'object' || parsed === null) return invalid;
  const { s, k, t } = parsed as { s?: unknown; k?: unknown; t?: unknown };
  if (typeof s === 'string' && s !== sort) return { ok: false, reason: `Cursor continues sort ${s}, not ${sort}` };
  if (s !== sort || typeof t !== 'number' || !Number.isSafeInteger(t) || t < 0) return invalid;
  const plan = sortPlan(sort, q ?? '');
  if (!Array.isArray(k) || k.length !== plan.keys.length || !plan.keys.every((key, i) => isValidKey(key.type, k[i]))) {
    return invalid;
  }
  return { ok: true, position: { keys: k as string[], total: t } };
}
