import { z } from 'zod';
import { dollarsToCents } from '../../domain/money';
import { COURSE_CATEGORIES, COURSE_DIFFICULTY_LEVELS, COURSE_PRICING_MODELS } from '../../models/Course';
import { parseDuration } from '../../domain/time';
import { searchCourses, type CourseHit, type CourseSearch } from '../../search/search';
import { TotalCache } from '../../search/totals';
import { decodeCursor, LISTING_SORTS, RELEVANCE, type CursorPosition, type SortName } from '../../search/sorts';
import { badRequest } from '../../problems/http-problem';
import type { RouteModule } from '../http/context';
import { defineRoute } from '../http/define-route';
import { Timestamp } from '../http/schemas';

/** Listing prices the filter accepts, in cents ($0–$500: every course price lies within). */
const MAX_FILTER_PRICE_CENTS = 50_000;
export const MAX_LIMIT = 100;
export const DEFAULT_LIMIT = 25;
const MAX_QUERY_LENGTH = 200;

/** The spec's wording (MKT-010); with a keyword query, relevance joins the list (and is the default). */
export const messages = {
  price: 'Price range must be 0-500',
  priceOrder: 'minPrice must not be greater than maxPrice',
  rating: 'Rating must be 0-5',
  sort: (withQuery: boolean) =>
    `Sort must be: ${(withQuery ? [RELEVANCE, ...LISTING_SORTS] : LISTING_SORTS).join(', ')}`,
  relevanceNeedsQuery: 'Sort relevance requires a search query (q)',
  limit: 'Limit must be ≤100',
  limitMin: 'Limit must be a whole number from 1 to 100',
  category: `Category must be one of: ${COURSE_CATEGORIES.join(', ')}`,
  difficulty: `Difficulty must be: ${COURSE_DIFFICULTY_LEVELS.join(', ')}`,
  query: `Search query must be at most ${MAX_QUERY_LENGTH} characters`,
  page: 'Pagination is by cursor: pass the nextCursor of the previous page as cursor (page is not supported)',
} as const;

/** An empty query parameter (`?minPrice=`) means "not given", as a form would send it. */
const absentIfEmpty = (v: unknown) => (v === '' ? undefined : v);

/** `category=design&category=music` or `category=design,music` → ['design', 'music']. */
function listOf<const T extends readonly [string, ...string[]]>(values: T, message: string) {
  const allowed = new Set<string>(values);
  return z
    .preprocess(
      (v) => {
        if (v === undefined || v === '') return undefined;
        const items = (Array.isArray(v) ? v : [v]).flatMap((s) => String(s).split(','));
        return items.map((s) => s.trim()).filter(Boolean);
      },
      z
        .array(z.string())
        .refine((items) => items.every((s) => allowed.has(s)), { message })
        .transform((items) => [...new Set(items)] as T[number][])
        .optional(),
    )
    .openapi({
      type: 'array',
      items: { type: 'string', enum: [...values] },
      description: 'One or more values: repeat the parameter or separate them with commas',
    });
}

/** A dollar amount as sent in a URL ("19", "19.99"), parsed exactly into cents. */
const priceFilter = (description: string) =>
  z
    .preprocess(absentIfEmpty, z.string({ error: messages.price }).optional())
    .transform((v, ctx) => {
      if (v === undefined) return undefined;
      let cents: number;
      try {
        cents = dollarsToCents(v);
      } catch {
        cents = Number.NaN;
      }
      if (!(cents >= 0 && cents <= MAX_FILTER_PRICE_CENTS)) {
        // continue: the other parameters are still checked, so one answer names every bad field.
        ctx.issues.push({ code: 'custom', message: messages.price, input: v, continue: true });
        return z.NEVER;
      }
      return cents;
    })
    .openapi({ type: 'number', minimum: 0, maximum: 500, description, example: 50 });

export const CourseSearchQuery = z
  .object({
    q: z
      .preprocess(absentIfEmpty, z.string().trim().max(MAX_QUERY_LENGTH, messages.query).optional())
      // Control characters separate words like spaces do (and Postgres refuses NUL in text outright).
      .transform((v) => v?.replace(/\p{Cc}+/gu, ' ').trim() || undefined)
      .openapi({
        type: 'string',
        description:
          'Keywords over title and description, in web-search syntax: words (all must match), "a phrase", `or`, `-excluded`. ' +
          'Results are ranked by relevance unless another sort is asked for.',
        example: 'python "machine learning" -beginner',
      }),
    category: listOf(COURSE_CATEGORIES, messages.category),
    difficulty: listOf(COURSE_DIFFICULTY_LEVELS, messages.difficulty),
    minPrice: priceFilter(
      'Lowest listing price in US dollars (inclusive); subscription courses are listed at their monthly price',
    ),
    maxPrice: priceFilter('Highest listing price in US dollars (inclusive)'),
    minRating: z
      .preprocess(
        absentIfEmpty,
        z.coerce.number({ error: messages.rating }).min(0, messages.rating).max(5, messages.rating).optional(),
      )
      .openapi({
        type: 'number',
        minimum: 0,
        maximum: 5,
        description: 'Lowest average rating (inclusive)',
        example: 4,
      }),
    instructorId: z
      .preprocess(absentIfEmpty, z.uuid().optional())
      .openapi({ type: 'string', format: 'uuid', description: "Only this instructor's courses" }),
    sort: z.preprocess(absentIfEmpty, z.string().optional()).openapi({
      type: 'string',
      enum: [RELEVANCE, ...LISTING_SORTS],
      description: `Default: ${RELEVANCE} when q is given, else newest. ${RELEVANCE} needs q.`,
    }),
    cursor: z.preprocess(absentIfEmpty, z.string().max(1000, 'Invalid cursor').optional()).openapi({
      type: 'string',
      description: 'nextCursor of the previous page (opaque); the same sort must be asked for',
    }),
    limit: z
      .preprocess(
        absentIfEmpty,
        z.coerce
          .number({ error: messages.limitMin })
          .int(messages.limitMin)
          .min(1, messages.limitMin)
          .max(MAX_LIMIT, messages.limit)
          .default(DEFAULT_LIMIT),
      )
      .openapi({ type: 'integer', minimum: 1, maximum: MAX_LIMIT, default: DEFAULT_LIMIT }),
  })
  .superRefine((v, ctx) => {
    const issue = (path: string, message: string) => ctx.addIssue({ code: 'custom', path: [path], message });
    // Fields that failed their own check arrive here as placeholders: only compare real numbers.
    if (typeof v.minPrice === 'number' && typeof v.maxPrice === 'number' && v.minPrice > v.maxPrice)
      issue('minPrice', messages.priceOrder);
    const hasQuery = v.q !== undefined;
    const sort = v.sort;
    if (typeof sort === 'string') {
      if (sort === RELEVANCE && !hasQuery) issue('sort', messages.relevanceNeedsQuery);
      else if (!isSortName(sort)) issue('sort', messages.sort(hasQuery));
    }
    const sortName = effectiveSort(v);
    if (typeof v.cursor === 'string' && isSortName(sortName)) {
      const decoded = decodeCursor(v.cursor, sortName, typeof v.q === 'string' ? v.q : undefined);
      if (!decoded.ok) issue('cursor', decoded.reason);
    }
  });

type ParsedQuery = z.output<typeof CourseSearchQuery>;

const isSortName = (s: string): s is SortName => s === RELEVANCE || (LISTING_SORTS as readonly string[]).includes(s);
const effectiveSort = (v: Pick<ParsedQuery, 'q' | 'sort'>): string =>
  v.sort ?? (v.q === undefined ? 'newest' : RELEVANCE);

/** The validated query parameters as a search (the schema has already refused everything else). */
export function toCourseSearch(v: ParsedQuery): CourseSearch {
  const sort = effectiveSort(v);
  if (!isSortName(sort)) throw badRequest(messages.sort(v.q !== undefined), { field: 'sort', in: 'query' });
  let after: CursorPosition | undefined;
  if (v.cursor !== undefined) {
    const decoded = decodeCursor(v.cursor, sort, v.q);
    if (!decoded.ok) throw badRequest(decoded.reason, { field: 'cursor', in: 'query' });
    after = decoded.position;
  }
  return {
    q: v.q,
    categories: v.category,
    difficulties: v.difficulty,
    minPriceCents: v.minPrice,
    maxPriceCents: v.maxPrice,
    minRating: v.minRating,
    instructorId: v.instructorId,
    sort,
    after,
    limit: v.limit,
  };
}

// --- response -----------------------------------------------------------------------------------

/**
 * Money the API returns is integer US cents (`*Cents`), as on every other resource; the price filter above
 * takes dollars because the spec words it so ("Price range must be 0-500").
 */

export const CourseSummarySchema = z
  .object({
    id: z.uuid(),
    title: z.string(),
    instructor: z.object({ id: z.uuid(), name: z.string() }),
    pricingModel: z.enum(COURSE_PRICING_MODELS),
    priceCents: z.number().int().openapi({
      description: 'US cents: the one-time price, or the monthly price when pricingModel is subscription',
      example: 7999,
    }),
    rating: z.number().openapi({ description: 'Average review rating, 0–5 (0 while unrated)', example: 4.6 }),
    ratingCount: z.number().int(),
    enrollmentCount: z.number().int().openapi({ description: 'Students currently enrolled (active enrollments)' }),
    thumbnail: z.string().nullable(),
    category: z.enum(COURSE_CATEGORIES),
    difficulty: z.enum(COURSE_DIFFICULTY_LEVELS),
    publishedAt: Timestamp,
  })
  .openapi('CourseSummary');

export const CourseSearchResultSchema = z
  .object({
    courses: z.array(CourseSummarySchema),
    nextCursor: z
      .string()
      .nullable()
      .openapi({ description: 'Pass as cursor for the next page; null on the last page' }),
    total: z
      .number()
      .int()
      .openapi({
        description:
          'All courses matching the query and filters. Counted for a first page (an instance may reuse a count up to ' +
          'SEARCH_TOTAL_TTL old); pages reached by cursor repeat the count of their first page.',
      }),
    sort: z.enum([RELEVANCE, ...LISTING_SORTS]).openapi({ description: 'The sort applied' }),
  })
  .openapi('CourseSearchResult');

function toSummary(hit: CourseHit): z.input<typeof CourseSummarySchema> {
  return {
    id: hit.id,
    title: hit.title,
    instructor: hit.instructor,
    pricingModel: hit.pricingModel,
    priceCents: hit.listPriceCents,
    rating: hit.ratingAverage,
    ratingCount: hit.ratingCount,
    enrollmentCount: hit.enrollmentCount,
    thumbnail: hit.thumbnailUrl,
    category: hit.category,
    difficulty: hit.difficulty,
    publishedAt: hit.publishedAt,
  };
}

// --- routes -------------------------------------------------------------------------------------

const DESCRIPTION =
  'Published courses, filtered and sorted, a page at a time. Paging is by cursor (keyset): stable for every ' +
  'sort, ties included — each course appears exactly once while paging through unchanged data. ' +
  '`total` counts every match. Validation errors name the field in `errors[]`.';

/** `GET /api/search/courses` and `GET /api/courses`: one search, two addresses (MKT-010, MKT-006). */
export const searchRoutes: RouteModule = (router, registry, deps) => {
  const totals = new TotalCache(parseDuration(deps.config.SEARCH_TOTAL_TTL));
  for (const { path, summary, operationId } of [
    {
      path: '/api/search/courses',
      summary: 'Search courses by keyword, filters and sort',
      operationId: 'searchCourses',
    },
    {
      path: '/api/courses',
      summary: 'List published courses (the same filters, sorts and paging as search)',
      operationId: 'listCourses',
    },
  ]) {
    defineRoute(
      router,
      registry,
      {
        method: 'get',
        path,
        summary,
        operationId,
        rateLimit: 'search',
        description: DESCRIPTION,
        tags: ['discovery'],
        auth: 'public',
        query: CourseSearchQuery,
        responses: { 200: CourseSearchResultSchema },
      },
      async (ctx, { query }) => {
        // The spec's list endpoint mentions `page`; refusing it beats silently serving page 1 again.
        if (ctx.query.page !== undefined) throw badRequest(messages.page, { field: 'page', in: 'query' });
        const search = toCourseSearch(query);
        const started = process.hrtime.bigint();
        const result = await searchCourses(deps.knex, search, totals);
        // The database's share of the response time and where the total came from, for dev tools and the benchmark.
        const dbMs = (Number(process.hrtime.bigint() - started) / 1e6).toFixed(2);
        ctx.set('Server-Timing', `db;dur=${dbMs}, total;desc=${result.totalSource}`);
        return {
          courses: result.courses.map(toSummary),
          nextCursor: result.nextCursor,
          total: result.total,
          sort: search.sort,
        };
      },
    );
  }
};
