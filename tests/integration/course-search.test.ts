/**
 * GET /api/search/courses and GET /api/courses (spec MKT-006 list, MKT-008..010) through HTTP against the
 * real database: keywords, every filter class, every sort, keyset paging with ties, the spec's validation
 * messages. Every test works on its own instructor's courses (instructorId filter) or its own made-up
 * keyword, so tests written by others in the same database never show up in its results.
 */
import { randomBytes } from 'node:crypto';
import type { Knex } from 'knex';
import { startTestApi, type TestApi } from '../support/api';
import { createSale, createUser, type FixtureUser } from '../support/fixtures';

interface CourseInput {
  title?: string;
  description?: string;
  category?: string;
  difficulty_level?: string;
  pricing_model?: 'one_time' | 'subscription';
  price_cents?: number | null;
  subscription_price_cents?: number | null;
  status?: string;
  published_at?: string | null;
  deleted_at?: string | null;
  thumbnail_url?: string | null;
}

interface Summary {
  id: string;
  title: string;
  instructor: { id: string; name: string };
  pricingModel: string;
  priceCents: number;
  rating: number;
  ratingCount: number;
  enrollmentCount: number;
  thumbnail: string | null;
  category: string;
  difficulty: string;
  publishedAt: string;
}

interface Page {
  courses: Summary[];
  nextCursor: string | null;
  total: number;
  sort: string;
}

/** A word no other test (or seed) uses, so a keyword query sees only this test's courses. */
const uniqueWord = () =>
  `zq${randomBytes(5)
    .toString('hex')
    .replace(/\d/g, (d) => 'abcdefghij'[Number(d)])}`;

describe('course discovery API', () => {
  let api: TestApi;
  let knex: Knex;
  beforeAll(async () => {
    api = await startTestApi();
    knex = api.deps.knex;
  });
  afterAll(() => api.close());

  const config = () => api.deps.config;
  const instructor = (name = 'Search Instructor') => createUser(knex, config(), 'instructor', name);

  async function addCourses(owner: FixtureUser, inputs: CourseInput[]): Promise<string[]> {
    const rows = inputs.map((c, i) => {
      const status = c.status ?? 'published';
      const subscription = c.pricing_model === 'subscription';
      return {
        instructor_id: owner.id,
        title: c.title ?? `Course ${i + 1}`,
        description: c.description ?? 'A course.',
        category: c.category ?? 'web_development',
        difficulty_level: c.difficulty_level ?? 'beginner',
        pricing_model: c.pricing_model ?? 'one_time',
        price_cents: c.price_cents !== undefined ? c.price_cents : subscription ? null : 4900,
        subscription_price_cents:
          c.subscription_price_cents !== undefined ? c.subscription_price_cents : subscription ? 999 : null,
        status,
        published_at:
          c.published_at !== undefined
            ? c.published_at
            : ['published', 'archived'].includes(status)
              ? knex.fn.now()
              : null,
        deleted_at: c.deleted_at ?? null,
        thumbnail_url: c.thumbnail_url ?? null,
      };
    });
    const inserted: { id: string }[] = [];
    for (let i = 0; i < rows.length; i += 500)
      inserted.push(
        ...(await knex('courses')
          .insert(rows.slice(i, i + 500))
          .returning('id')),
      );
    return inserted.map((r) => r.id);
  }

  /** Real sales (so enrollment_count moves by the triggers) and, optionally, a review per buyer. */
  async function sell(courseId: string, ratings: (number | null)[]): Promise<void> {
    for (const rating of ratings) {
      const buyer = await createUser(knex, config(), 'student');
      const sale = await createSale(knex, { buyerId: buyer.id, courseId, grossCents: 4900 });
      if (rating !== null) {
        await knex('course_reviews').insert({
          course_id: courseId,
          reviewer_id: buyer.id,
          enrollment_id: sale.enrollmentId,
          rating,
        });
      }
    }
  }

  async function search(
    query: Record<string, string | number | string[]>,
    path = '/api/search/courses',
  ): Promise<Page> {
    const res = await api.request.get(path).query(query);
    if (res.status !== 200) throw new Error(`${path} answered ${res.status}: ${JSON.stringify(res.body)}`);
    return res.body as Page;
  }

  /** Every page of a query, following nextCursor; checks that total stays the same throughout. */
  async function allPages(
    query: Record<string, string | number | string[]>,
    path?: string,
  ): Promise<{ ids: string[]; pages: Page[] }> {
    const pages: Page[] = [];
    let cursor: string | null = null;
    do {
      const page: Page = await search(cursor ? { ...query, cursor } : query, path);
      pages.push(page);
      cursor = page.nextCursor;
      if (pages.length > 1000) throw new Error('paging does not end');
    } while (cursor);
    expect(new Set(pages.map((p) => p.total)).size).toBe(1);
    return { ids: pages.flatMap((p) => p.courses.map((c) => c.id)), pages };
  }

  const titles = (page: Page) => page.courses.map((c) => c.title);

  describe('keyword search', () => {
    it('searches title and description with web-search syntax, ranking title matches first', async () => {
      const word = uniqueWord();
      const owner = await instructor();
      await addCourses(owner, [
        { title: 'Cooking basics', description: `Knife skills and python-free recipes. ${word}` },
        { title: 'Python for data work', description: `Learn pandas. ${word}` },
        { title: 'Web scraping', description: `Scrape websites with Python and BeautifulSoup. ${word}` },
        { title: 'Machine learning in practice', description: `Models with scikit-learn. ${word}` },
        { title: 'Deep learning', description: `Neural networks, no machine learning background needed. ${word}` },
        { title: 'Unlisted Python draft', description: `Python. ${word}`, status: 'draft' },
        {
          title: 'Archived Python course',
          description: `Python. ${word}`,
          status: 'archived',
          deleted_at: new Date().toISOString(),
        },
        { title: 'Python under review', description: `Python. ${word}`, status: 'under_review' },
      ]);

      const python = await search({ q: `${word} python` });
      // Stemmed and case-insensitive; drafts, courses in review and archived courses never show.
      expect(python.sort).toBe('relevance');
      expect(python.total).toBe(3);
      expect(titles(python)[0]).toBe('Python for data work'); // a title match (weight A) beats a description match (B)
      expect(new Set(titles(python))).toEqual(new Set(['Python for data work', 'Web scraping', 'Cooking basics']));

      expect(titles(await search({ q: `${word} "machine learning"` })).sort()).toEqual([
        'Deep learning',
        'Machine learning in practice',
      ]);
      expect(titles(await search({ q: `${word} python -pandas` })).sort()).toEqual(['Cooking basics', 'Web scraping']);
      expect(titles(await search({ q: `${word} (scraping or neural)` })).sort()).toEqual([
        'Deep learning',
        'Web scraping',
      ]);
      expect(await search({ q: `${word} haskell` })).toMatchObject({ courses: [], total: 0, nextCursor: null });
      // A keyword query can take any other sort too.
      expect((await search({ q: `${word} python`, sort: 'price_asc' })).sort).toBe('price_asc');
    });

    it('treats odd input as words, never as an error: quotes, operators, symbols, stop words only', async () => {
      for (const q of [
        '"unclosed phrase',
        'a & b | !c',
        "O'Reilly's (book",
        '-',
        'the',
        '<script>',
        '🙂',
        'nul\u0000byte',
        '\u0001',
        'x'.repeat(200),
      ]) {
        const res = await api.request.get('/api/search/courses').query({ q });
        expect(res.status).toBe(200);
        expect(Array.isArray(res.body.courses)).toBe(true);
      }
    });
  });

  describe('filters', () => {
    let owner: FixtureUser;
    let word: string;
    beforeAll(async () => {
      owner = await instructor('Filter Instructor');
      word = uniqueWord();
      await addCourses(owner, [
        { title: 'A', category: 'music', difficulty_level: 'beginner', price_cents: 900, description: word },
        { title: 'B', category: 'music', difficulty_level: 'advanced', price_cents: 1999, description: word },
        { title: 'C', category: 'design', difficulty_level: 'intermediate', price_cents: 4999 },
        { title: 'D', category: 'design', difficulty_level: 'advanced', price_cents: 5000 },
        { title: 'E', category: 'business', difficulty_level: 'beginner', price_cents: 49900 },
        {
          title: 'F',
          category: 'business',
          difficulty_level: 'intermediate',
          pricing_model: 'subscription',
          subscription_price_cents: 1499,
        },
      ]);
      const [c, d] = await knex('courses')
        .where('instructor_id', owner.id)
        .whereIn('title', ['C', 'D'])
        .orderBy('title')
        .pluck('id');
      await sell(c, [5, 4]); // 4.50
      await sell(d, [3, 4, 4]); // 3.67
    });

    const only = (query: Record<string, string | number | string[]>) =>
      search({ instructorId: owner.id, sort: 'price_asc', ...query });

    it('by instructor: everything of theirs, and the result carries what a listing shows', async () => {
      const page = await only({});
      expect(page.total).toBe(6);
      expect(titles(page)).toEqual(['A', 'F', 'B', 'C', 'D', 'E']); // F: a subscription listed at its monthly price
      const c = page.courses.find((x) => x.title === 'C') as Summary;
      expect(c).toEqual({
        id: expect.any(String),
        title: 'C',
        instructor: { id: owner.id, name: 'Filter Instructor' },
        pricingModel: 'one_time',
        priceCents: 4999,
        rating: 4.5,
        ratingCount: 2,
        enrollmentCount: 2,
        thumbnail: null,
        category: 'design',
        difficulty: 'intermediate',
        publishedAt: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T/),
      });
      expect(page.courses.find((x) => x.title === 'F')).toMatchObject({
        pricingModel: 'subscription',
        priceCents: 1499,
      });
    });

    it('by category and difficulty: one value, several (comma or repeated), or both filters', async () => {
      expect(titles(await only({ category: 'music' }))).toEqual(['A', 'B']);
      expect(titles(await only({ category: 'music,business' }))).toEqual(['A', 'F', 'B', 'E']);
      expect(titles(await only({ category: ['design', 'business'] }))).toEqual(['F', 'C', 'D', 'E']);
      expect(titles(await only({ difficulty: 'advanced' }))).toEqual(['B', 'D']);
      expect(titles(await only({ category: 'design', difficulty: 'advanced,beginner' }))).toEqual(['D']);
    });

    it('by price range in dollars, bounds included, cents exact', async () => {
      expect(titles(await only({ minPrice: 19.99 }))).toEqual(['B', 'C', 'D', 'E']);
      expect(titles(await only({ maxPrice: '49.99' }))).toEqual(['A', 'F', 'B', 'C']);
      expect(titles(await only({ minPrice: 9, maxPrice: 9 }))).toEqual(['A']);
      expect(titles(await only({ minPrice: 0, maxPrice: 500 }))).toHaveLength(6);
      expect(titles(await only({ minPrice: 50.01 }))).toEqual(['E']);
    });

    it('by minimum rating', async () => {
      expect(titles(await only({ minRating: 4 }))).toEqual(['C']);
      expect(titles(await only({ minRating: 3.5 }))).toEqual(['C', 'D']);
      expect(titles(await only({ minRating: 0 }))).toHaveLength(6);
    });

    it('all filter classes together, with a keyword, on both addresses', async () => {
      const query = { q: word, category: 'music', difficulty: 'advanced', minPrice: 10, maxPrice: 20, minRating: 0 };
      expect(titles(await only(query))).toEqual(['B']);
      expect(titles(await search({ ...query, instructorId: owner.id }, '/api/courses'))).toEqual(['B']);
      expect(await only({ ...query, difficulty: 'beginner' })).toMatchObject({
        courses: [],
        total: 0,
        nextCursor: null,
      });
    });
  });

  describe('sorts', () => {
    let owner: FixtureUser;
    const ids: Record<string, string> = {};
    beforeAll(async () => {
      owner = await instructor();
      const made = await addCourses(owner, [
        { title: 'old-cheap', price_cents: 900, published_at: '2025-01-01T00:00:00Z' },
        { title: 'mid', price_cents: 4900, published_at: '2025-06-01T00:00:00Z' },
        { title: 'new-pricey', price_cents: 19900, published_at: '2026-01-01T00:00:00Z' },
        {
          title: 'newest-sub',
          pricing_model: 'subscription',
          subscription_price_cents: 2999,
          published_at: '2026-02-01T00:00:00Z',
        },
      ]);
      ['old-cheap', 'mid', 'new-pricey', 'newest-sub'].forEach((t, i) => (ids[t] = made[i]));
      await sell(ids['old-cheap'], [5]); // 5.00 from one review, 1 student
      await sell(ids.mid, [5, 5, null]); // 5.00 from two reviews (more ratings wins the tie), 3 students
      await sell(ids['new-pricey'], [4, null]); // 4.00, 2 students
    });

    const sorted = async (sort?: string, path?: string) =>
      titles(await search({ instructorId: owner.id, ...(sort && { sort }) }, path));

    it('newest (the default without a keyword), highest_rated, most_popular, price_asc, price_desc', async () => {
      expect(await sorted()).toEqual(['newest-sub', 'new-pricey', 'mid', 'old-cheap']);
      expect(await sorted('newest')).toEqual(['newest-sub', 'new-pricey', 'mid', 'old-cheap']);
      expect(await sorted('highest_rated')).toEqual(['mid', 'old-cheap', 'new-pricey', 'newest-sub']);
      expect(await sorted('most_popular')).toEqual(['mid', 'new-pricey', 'old-cheap', 'newest-sub']);
      expect(await sorted('price_asc')).toEqual(['old-cheap', 'newest-sub', 'mid', 'new-pricey']);
      expect(await sorted('price_desc', '/api/courses')).toEqual(['new-pricey', 'mid', 'newest-sub', 'old-cheap']);
    });

    it('reports the popularity the enrollments give, and follows a refund', async () => {
      const other = await instructor();
      const [refunded, kept] = await addCourses(other, [{ title: 'refunded' }, { title: 'kept' }]);
      await sell(refunded, [null, null]);
      await sell(kept, [null]);
      const popular = async () =>
        (await search({ instructorId: other.id, sort: 'most_popular' })).courses.map((c) => [
          c.title,
          c.enrollmentCount,
        ]);
      expect(await popular()).toEqual([
        ['refunded', 2],
        ['kept', 1],
      ]);
      await knex('enrollments').where({ course_id: refunded }).update({ status: 'revoked', revoked_at: knex.fn.now() });
      expect(await popular()).toEqual([
        ['kept', 1],
        ['refunded', 0],
      ]);
    });
  });

  describe('cursor paging', () => {
    /**
     * 260 courses built for ties: 5 publication instants a microsecond apart (a JS Date cannot tell them
     * apart), 4 prices, ratings all 0 but a few, most enrollment counts 0, relevance in two tiers.
     */
    let owner: FixtureUser;
    let word: string;
    let all: Set<string>;
    beforeAll(async () => {
      owner = await instructor();
      word = uniqueWord();
      const instants = ['000001', '000002', '000003', '000004', '000005'].map((us) => `2026-03-01T12:00:00.${us}Z`);
      const made = await addCourses(
        owner,
        Array.from({ length: 260 }, (_, i) => ({
          title: i % 10 === 0 ? `${word} in the title ${i}` : `Tied course ${i}`,
          description: `Everything about ${word}.`,
          price_cents: [1900, 2900, 4900, 9900][i % 4],
          published_at: instants[i % 5],
          category: i % 2 ? 'design' : 'music',
        })),
      );
      all = new Set(made);
      await sell(made[7], [4]);
      await sell(made[8], [4, 5]);
    });

    const expectEachOnce = (ids: string[], expected: Set<string>) => {
      expect(ids).toHaveLength(expected.size);
      expect(new Set(ids)).toEqual(expected);
    };

    it.each(['newest', 'highest_rated', 'most_popular', 'price_asc', 'price_desc'])(
      '%s: every course exactly once, in order, total constant',
      async (sort) => {
        const { ids, pages } = await allPages({ instructorId: owner.id, sort, limit: 7 });
        expectEachOnce(ids, all);
        expect(pages[0].total).toBe(260);
        expect(pages).toHaveLength(Math.ceil(260 / 7));
        expect(pages.at(-1)?.nextCursor).toBeNull();

        // The order really is the sort: non-increasing / non-decreasing in the main key across all pages.
        const rows = pages.flatMap((p) => p.courses);
        const key = (c: Summary) =>
          sort === 'highest_rated'
            ? c.rating
            : sort === 'most_popular'
              ? c.enrollmentCount
              : sort.startsWith('price')
                ? c.priceCents
                : 0;
        const sign = sort === 'price_asc' ? 1 : -1;
        for (let i = 1; i < rows.length; i++)
          expect(sign * (key(rows[i]) - key(rows[i - 1]))).toBeGreaterThanOrEqual(0);
      },
    );

    it('newest keeps microsecond order: the 5 instants come out in 5 consecutive blocks', async () => {
      const { ids } = await allPages({ instructorId: owner.id, sort: 'newest', limit: 11 });
      const instantOf = new Map<string, string>(
        (
          await knex('courses')
            .where('instructor_id', owner.id)
            .select('id', knex.raw(`to_char(published_at AT TIME ZONE 'UTC', 'US') AS us`))
        ).map((r: { id: string; us: string }) => [r.id, r.us]),
      );
      const blocks = ids.map((id) => instantOf.get(id)).filter((us, i, list) => i === 0 || us !== list[i - 1]);
      expect(blocks).toEqual(['000005', '000004', '000003', '000002', '000001']);
    });

    it('relevance with a keyword, a filter, and the default limit of 25', async () => {
      const { ids, pages } = await allPages({ q: word, category: 'music' });
      const music = new Set(
        (await knex('courses').where({ instructor_id: owner.id, category: 'music' }).pluck('id')) as string[],
      );
      expectEachOnce(ids, music);
      expect(pages[0].courses).toHaveLength(25);
      expect(pages[0].sort).toBe('relevance');
      // The 26 title matches (every 10th course, all of them music) rank before the description-only ones.
      const inTitle = pages.flatMap((p) => p.courses).map((c) => c.title.includes(word));
      expect(inTitle.indexOf(false)).toBe(26);
      expect(inTitle.lastIndexOf(true)).toBe(25);
    });

    it('the largest page (limit=100) and both addresses agree', async () => {
      const viaSearch = await allPages({ instructorId: owner.id, sort: 'price_desc', limit: 100 });
      const viaList = await allPages({ instructorId: owner.id, sort: 'price_desc', limit: 100 }, '/api/courses');
      expect(viaSearch.pages.map((p) => p.courses.length)).toEqual([100, 100, 60]);
      expect(viaList.ids).toEqual(viaSearch.ids);
    });
  });

  it('counts a total for a first page, then remembers it for SEARCH_TOTAL_TTL; pages by cursor carry theirs', async () => {
    const owner = await instructor();
    await addCourses(owner, [{}, {}, {}]);
    const get = async (query: Record<string, string | number>) => {
      const res = await api.request.get('/api/courses').query({ instructorId: owner.id, ...query });
      return { body: res.body as Page, source: /total;desc=(\w+)/.exec(String(res.headers['server-timing']))?.[1] };
    };
    const first = await get({ limit: 1 });
    expect([first.source, first.body.total]).toEqual(['counted', 3]);
    // Another sort and page size: the same matches, the same remembered count.
    expect((await get({ limit: 2, sort: 'price_asc' })).source).toBe('cached');
    expect((await get({ limit: 1, cursor: first.body.nextCursor as string })).source).toBe('cursor');

    // A course published meanwhile is in the pages at once; the total catches up within the TTL.
    await addCourses(owner, [{}]);
    const later = await get({ limit: 10 });
    expect([later.source, later.body.total, later.body.courses.length]).toEqual(['cached', 3, 4]);
    expect(api.deps.config.SEARCH_TOTAL_TTL).toBe('30s');
  });

  describe('invalid input → 400 problem with the spec wording', () => {
    async function problem(query: Record<string, string | number | string[]>, path = '/api/search/courses') {
      const res = await api.request.get(path).query(query);
      expect(res.status).toBe(400);
      expect(res.headers['content-type']).toMatch(/application\/problem\+json/);
      return res.body as { detail: string; errors: { field: string; message: string; in?: string }[] };
    }
    const firstError = async (query: Record<string, string | number | string[]>, path?: string) =>
      (await problem(query, path)).errors[0];

    it.each([
      [{ minPrice: -1 }, 'minPrice', 'Price range must be 0-500'],
      [{ maxPrice: 500.01 }, 'maxPrice', 'Price range must be 0-500'],
      [{ maxPrice: 'abc' }, 'maxPrice', 'Price range must be 0-500'],
      [{ minPrice: '1.234' }, 'minPrice', 'Price range must be 0-500'],
      [{ minPrice: '1e2' }, 'minPrice', 'Price range must be 0-500'],
      [{ minPrice: 50, maxPrice: 20 }, 'minPrice', 'minPrice must not be greater than maxPrice'],
      [{ sort: 'cheapest' }, 'sort', 'Sort must be: newest, highest_rated, most_popular, price_asc, price_desc'],
      [{ sort: 'relevance' }, 'sort', 'Sort relevance requires a search query (q)'],
      [
        { q: 'python', sort: 'cheapest' },
        'sort',
        'Sort must be: relevance, newest, highest_rated, most_popular, price_asc, price_desc',
      ],
      [{ limit: 101 }, 'limit', 'Limit must be ≤100'],
      [{ limit: 1000000 }, 'limit', 'Limit must be ≤100'],
      [{ limit: 0 }, 'limit', 'Limit must be a whole number from 1 to 100'],
      [{ limit: 2.5 }, 'limit', 'Limit must be a whole number from 1 to 100'],
      [{ limit: 'ten' }, 'limit', 'Limit must be a whole number from 1 to 100'],
      [{ minRating: 5.5 }, 'minRating', 'Rating must be 0-5'],
      [{ minRating: -1 }, 'minRating', 'Rating must be 0-5'],
      [{ minRating: 'high' }, 'minRating', 'Rating must be 0-5'],
      [
        { category: 'cooking' },
        'category',
        expect.stringMatching(/^Category must be one of: data_science, web_development, /),
      ],
      [{ category: 'music,cooking' }, 'category', expect.stringMatching(/^Category must be one of: /)],
      [{ difficulty: 'expert' }, 'difficulty', 'Difficulty must be: beginner, intermediate, advanced'],
      [{ instructorId: 'not-a-uuid' }, 'instructorId', 'Invalid uuid'],
      [{ q: 'x'.repeat(201) }, 'q', 'Search query must be at most 200 characters'],
      [{ cursor: 'garbage' }, 'cursor', 'Invalid cursor'],
      [
        { cursor: Buffer.from('{"s":"newest","k":["yesterday","x"],"t":1}').toString('base64url') },
        'cursor',
        'Invalid cursor',
      ],
      [{ page: 2 }, 'page', expect.stringMatching(/^Pagination is by cursor/)],
    ])('%j → %s: %s', async (query, field, message) => {
      expect(await firstError(query)).toEqual({ field, message, in: 'query' });
    });

    it('names every bad field at once, in both routes', async () => {
      for (const path of ['/api/search/courses', '/api/courses']) {
        const body = await problem({ minPrice: 600, sort: 'oldest', limit: 500 }, path);
        expect(body.errors.map((e) => [e.field, e.message])).toEqual(
          expect.arrayContaining([
            ['minPrice', 'Price range must be 0-500'],
            ['sort', 'Sort must be: newest, highest_rated, most_popular, price_asc, price_desc'],
            ['limit', 'Limit must be ≤100'],
          ]),
        );
        // The detail quotes the spec's wording as written.
        expect(body.detail).toBe(
          'Price range must be 0-500; Limit must be ≤100; Sort must be: newest, highest_rated, most_popular, price_asc, price_desc',
        );
      }
    });

    it('the detail is the spec wording alone; a generic message is prefixed by its field', async () => {
      expect((await problem({ limit: 101 }, '/api/search/courses')).detail).toBe('Limit must be ≤100');
      expect((await problem({ instructorId: 'x', minRating: 9 }, '/api/courses')).detail).toBe(
        'Rating must be 0-5; instructorId: Invalid uuid',
      );
    });

    it('refuses a cursor made for another sort; accepts empty parameters as absent', async () => {
      const owner = await instructor();
      await addCourses(owner, [{}, {}, {}]);
      const first = await search({ instructorId: owner.id, sort: 'newest', limit: 1 });
      expect(first.nextCursor).toEqual(expect.any(String));
      expect(
        await firstError({ instructorId: owner.id, sort: 'price_asc', cursor: first.nextCursor as string }),
      ).toEqual({
        field: 'cursor',
        message: 'Cursor continues sort newest, not price_asc',
        in: 'query',
      });
      const blank = await search({
        instructorId: owner.id,
        minPrice: '',
        maxPrice: '',
        q: '',
        sort: '',
        limit: '',
        cursor: '',
      });
      expect(blank).toMatchObject({ total: 3, sort: 'newest' });
      expect(blank.courses).toHaveLength(3);
    });
  });

  it('documents both operations, with money in dollars, in the OpenAPI document', async () => {
    const doc = (await api.request.get('/openapi.json')).body;
    for (const path of ['/api/search/courses', '/api/courses']) {
      const op = doc.paths[path].get;
      expect(op.parameters.map((p: { name: string }) => p.name)).toEqual(
        expect.arrayContaining([
          'q',
          'category',
          'difficulty',
          'minPrice',
          'maxPrice',
          'minRating',
          'sort',
          'cursor',
          'limit',
        ]),
      );
      expect(op.responses['200']).toBeDefined();
    }
    expect(doc.components.schemas.CourseSummary.properties.priceCents.description).toMatch(/US cents/);
  });
});
