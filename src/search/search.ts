import type { Knex } from 'knex';
import type { CourseCategory, CourseDifficultyLevel, CoursePricingModel } from '../models/Course';
import { join, Sql, sql, unsafe } from './sql';
import type { TotalCache } from './totals';
import {
  afterCondition,
  encodeCursor,
  keySelect,
  keyTexts,
  keyValues,
  orderBy,
  sortPlan,
  tsQuery,
  type CursorPosition,
  type SortName,
} from './sorts';

/** A validated discovery request (the API's query parameters, parsed; prices already in cents). */
export interface CourseSearch {
  /** Keywords in web-search syntax: `python "data science" -beginner`, `react or vue`. */
  q?: string;
  categories?: readonly CourseCategory[];
  difficulties?: readonly CourseDifficultyLevel[];
  minPriceCents?: number;
  maxPriceCents?: number;
  minRating?: number;
  instructorId?: string;
  sort: SortName;
  /** The decoded cursor: the sort keys of the last row already seen, and the total of the first page. */
  after?: CursorPosition;
  limit: number;
}

export interface CourseHit {
  id: string;
  title: string;
  instructor: { id: string; name: string };
  pricingModel: CoursePricingModel;
  /** one-time price, or the monthly price of a subscription course, in cents */
  listPriceCents: number;
  ratingAverage: number;
  ratingCount: number;
  enrollmentCount: number;
  thumbnailUrl: string | null;
  category: CourseCategory;
  difficulty: CourseDifficultyLevel;
  publishedAt: Date;
}

export interface CourseSearchResult {
  courses: CourseHit[];
  nextCursor: string | null;
  total: number;
  /** Where `total` came from: counted now, remembered (TotalCache), or carried by the cursor. */
  totalSource: 'counted' | 'cached' | 'cursor';
}

/** What a listing may ever show; literal, so the planner matches the partial indexes (migration 600002). */
const LISTED = unsafe("c.status = 'published' AND c.deleted_at IS NULL");

function conditions(s: CourseSearch): Sql[] {
  const where = [LISTED];
  if (s.q !== undefined) where.push(sql`c.search_vector @@ ${tsQuery(s.q)}`);
  if (s.categories?.length) where.push(sql`c.category = ANY(${[...s.categories]}::course_category[])`);
  if (s.difficulties?.length)
    where.push(sql`c.difficulty_level = ANY(${[...s.difficulties]}::course_difficulty_level[])`);
  if (s.minPriceCents !== undefined) where.push(sql`c.list_price_cents >= ${s.minPriceCents}`);
  if (s.maxPriceCents !== undefined) where.push(sql`c.list_price_cents <= ${s.maxPriceCents}`);
  if (s.minRating !== undefined) where.push(sql`c.rating_average >= ${s.minRating}`);
  if (s.instructorId !== undefined) where.push(sql`c.instructor_id = ${s.instructorId}::uuid`);
  return where;
}

/** What a result shows, read in the page's inner select (the sort keys come with it). */
const PAGE_COLUMNS = [
  'id',
  'instructor_id',
  'title',
  'pricing_model',
  'list_price_cents',
  'rating_average',
  'rating_count',
  'enrollment_count',
  'thumbnail_url',
  'category',
  'difficulty_level',
  'published_at',
];

const and = (parts: Sql[]): Sql => join(parts, ' AND ');

/**
 * The statements behind one page: the page itself (keyset: rows after the cursor, in sort order, one more
 * than asked to learn whether another page follows) and, for a first page, the total of all matches.
 * Later pages repeat the total their cursor carries: counting is the costly part of a broad query
 * (every match is visited), and a total that stays put while the user pages is the better answer anyway.
 * Exported so the benchmark can run exactly this SQL without the API around it.
 */
export function searchStatements(s: CourseSearch): { page: Sql; count: Sql | null } {
  const plan = sortPlan(s.sort, s.q);
  const where = conditions(s);
  const pageWhere = s.after ? [...where, afterCondition(plan, s.after.keys)] : where;
  // Order and cut first, join the instructors of the page's rows only.
  const page = sql`
    SELECT p.id, p.title, p.pricing_model, p.list_price_cents, p.rating_average::float8 AS rating_average,
           p.rating_count, p.enrollment_count, p.thumbnail_url, p.category, p.difficulty_level, p.published_at,
           u.id AS instructor_id, u.name AS instructor_name, ${keyTexts(plan, 'p')}
    FROM (
      SELECT ${unsafe(
        PAGE_COLUMNS.filter((name) => !plan.keys.some((k) => k.name === name))
          .map((name) => `c.${name}`)
          .join(', '),
      )},
             ${keySelect(plan)}
      FROM courses c
      WHERE ${and(pageWhere)}
      ORDER BY ${orderBy(plan)}
      LIMIT ${s.limit + 1}
    ) p
    JOIN users u ON u.id = p.instructor_id
    ORDER BY ${orderBy(plan, 'p')}`;
  const count = s.after ? null : sql`SELECT count(*)::int AS total FROM courses c WHERE ${and(where)}`;
  return { page, count };
}

interface PageRow {
  id: string;
  title: string;
  pricing_model: CoursePricingModel;
  list_price_cents: number;
  rating_average: number;
  rating_count: number;
  enrollment_count: number;
  thumbnail_url: string | null;
  category: CourseCategory;
  difficulty_level: CourseDifficultyLevel;
  published_at: Date;
  instructor_id: string;
  instructor_name: string;
  [key: `k${number}`]: string;
}

/** What the total depends on: the matches, not their order nor the page. */
export function totalKey(s: CourseSearch): string {
  const sorted = (list?: readonly string[]) => (list?.length ? [...list].sort() : undefined);
  return JSON.stringify([
    s.q,
    sorted(s.categories),
    sorted(s.difficulties),
    s.minPriceCents,
    s.maxPriceCents,
    s.minRating,
    s.instructorId,
  ]);
}

/**
 * Runs a search. The page and the total are independent, so they run side by side on two connections;
 * the total is skipped when the cursor carries it, and taken from `totals` when it remembers it.
 */
export async function searchCourses(knex: Knex, s: CourseSearch, totals?: TotalCache): Promise<CourseSearchResult> {
  const { page, count } = searchStatements(s);
  const runCount = async () => ((await count?.raw(knex)) as unknown as { rows: { total: number }[] }).rows[0].total;
  const known = count ? (totals?.get(totalKey(s), runCount) ?? { total: runCount(), cached: false }) : undefined;
  const [rows, total] = await Promise.all([
    (page.raw(knex) as unknown as Promise<{ rows: PageRow[] }>).then((r) => r.rows),
    known ? known.total : (s.after?.total ?? 0),
  ]);
  const more = rows.length > s.limit;
  const shown = more ? rows.slice(0, s.limit) : rows;
  const last = shown[shown.length - 1];
  return {
    courses: shown.map(toHit),
    nextCursor: more ? encodeCursor(s.sort, { keys: keyValues(sortPlan(s.sort, s.q), last), total }) : null,
    total,
    totalSource: !known ? 'cursor' : known.cached ? 'cached' : 'counted',
  };
}

function toHit(row: PageRow): CourseHit {
  return {
    id: row.id,
    title: row.title,
    instructor: { id: row.instructor_id, name: row.instructor_name },
    pricingModel: row.pricing_model,
    listPriceCents: row.list_price_cents,
    ratingAverage: row.rating_average,
    ratingCount: row.rating_count,
    enrollmentCount: row.enrollment_count,
    thumbnailUrl: row.thumbnail_url,
    category: row.category,
    difficulty: row.difficulty_level,
    publishedAt: row.published_at,
  };
}
