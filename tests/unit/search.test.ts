import { searchStatements, totalKey, type CourseSearch } from '../../src/search/search';
import { decodeCursor, encodeCursor, sortPlan } from '../../src/search/sorts';
import { TotalCache } from '../../src/search/totals';

describe('search cursor', () => {
  const id = '0b7f8a52-3c1e-4d7e-9a8b-2f6c1d4e5a90';

  it('round-trips the keys of every sort, microseconds and float4 text included', () => {
    const cases: [Parameters<typeof encodeCursor>[0], string[]][] = [
      ['newest', ['2026-03-01T12:00:00.000001Z', id]],
      ['highest_rated', ['4.67', '12', id]],
      ['most_popular', ['0', id]],
      ['price_asc', ['49900', id]],
      ['price_desc', ['900', id]],
      ['relevance', ['0.0607927', '3', id]],
    ];
    for (const [sort, keys] of cases) {
      const cursor = encodeCursor(sort, { keys, total: 260 });
      expect(cursor).toMatch(/^[A-Za-z0-9_-]+$/); // URL-safe as it is
      expect(decodeCursor(cursor, sort, 'python')).toEqual({ ok: true, position: { keys, total: 260 } });
    }
  });

  it('refuses a cursor of another sort, and anything forged or damaged', () => {
    const newest = encodeCursor('newest', { keys: ['2026-03-01T12:00:00.000001Z', id], total: 3 });
    expect(decodeCursor(newest, 'price_asc', undefined)).toEqual({
      ok: false,
      reason: 'Cursor continues sort newest, not price_asc',
    });
    const forged = (payload: unknown) => Buffer.from(JSON.stringify(payload)).toString('base64url');
    const bad: [string, 'newest' | 'most_popular'][] = [
      ['not base64 json', 'newest'],
      [forged(null), 'newest'],
      [forged({ s: 'newest', k: ['2026-03-01 12:00:00', id], t: 3 }), 'newest'], // not the exact text form
      [forged({ s: 'newest', k: ['2026-03-01T12:00:00.000001Z'], t: 3 }), 'newest'], // a key missing
      [forged({ s: 'newest', k: ['2026-03-01T12:00:00.000001Z', "x'; drop table courses; --"], t: 3 }), 'newest'],
      [forged({ s: 'newest', k: ['2026-03-01T12:00:00.000001Z', id], t: -1 }), 'newest'],
      [forged({ s: 'newest', k: ['2026-03-01T12:00:00.000001Z', id] }), 'newest'],
      [forged({ s: 'most_popular', k: ['99999999999', id], t: 1 }), 'most_popular'], // beyond a Postgres integer
    ];
    for (const [cursor, sort] of bad) {
      expect(decodeCursor(cursor, sort, undefined)).toEqual({ ok: false, reason: 'Invalid cursor' });
    }
  });
});

describe('search statements', () => {
  const base: CourseSearch = { sort: 'newest', limit: 25 };

  it('continue after the cursor with one row comparison, in the direction of the sort', () => {
    const after = { keys: ['900', '0b7f8a52-3c1e-4d7e-9a8b-2f6c1d4e5a90'], total: 10 };
    expect(searchStatements({ ...base, sort: 'price_asc', after }).page.text).toContain(
      '(c.list_price_cents, c.id) > (?::integer, ?::uuid)',
    );
    expect(searchStatements({ ...base, sort: 'price_desc', after }).page.text).toContain(
      '(c.list_price_cents, c.id) < (?::integer, ?::uuid)',
    );
    expect(sortPlan('highest_rated', undefined).keys.map((k) => k.name)).toEqual([
      'rating_average',
      'rating_count',
      'id',
    ]);
  });

  it('never put input into the SQL text: every value is a bound parameter', () => {
    const evil = "'); DROP TABLE courses; --";
    const { page, count } = searchStatements({ ...base, q: evil, sort: 'relevance', instructorId: evil, minRating: 4 });
    for (const statement of [page, count]) {
      expect(statement?.text).not.toContain('DROP');
      expect(statement?.values).toContain(evil);
    }
  });

  it('count only for a first page: the cursor carries the total', () => {
    expect(searchStatements(base).count).not.toBeNull();
    expect(
      searchStatements({
        ...base,
        after: { keys: ['2026-03-01T12:00:00.000001Z', '0b7f8a52-3c1e-4d7e-9a8b-2f6c1d4e5a90'], total: 4 },
      }).count,
    ).toBeNull();
  });

  it('key a total by what it counts: not by sort, limit, cursor or the order of listed values', () => {
    const a = totalKey({ ...base, categories: ['music', 'design'], minPriceCents: 900 });
    expect(
      totalKey({ ...base, sort: 'price_desc', limit: 7, categories: ['design', 'music'], minPriceCents: 900 }),
    ).toBe(a);
    expect(totalKey({ ...base, categories: ['music'], minPriceCents: 900 })).not.toBe(a);
    expect(totalKey({ ...base, q: 'python' })).not.toBe(totalKey(base));
  });
});

describe('TotalCache', () => {
  const deferred = () => {
    let resolve!: (n: number) => void;
    let reject!: (e: Error) => void;
    const promise = new Promise<number>((res, rej) => ((resolve = res), (reject = rej)));
    return { promise, resolve, reject };
  };

  it('counts once per TTL, and shares one count between concurrent requests', async () => {
    const cache = new TotalCache(30_000);
    const count = jest.fn(() => Promise.resolve(42));
    const first = cache.get('k', count, 0);
    const second = cache.get('k', count, 10);
    expect([first.cached, second.cached]).toEqual([false, true]);
    expect(await second.total).toBe(42);
    expect(cache.get('k', count, 29_999).cached).toBe(true);
    expect(count).toHaveBeenCalledTimes(1);
    expect(cache.get('k', count, 30_000).cached).toBe(false); // expired
    expect(count).toHaveBeenCalledTimes(2);
  });

  it('forgets a failed count', async () => {
    const cache = new TotalCache(30_000);
    const failing = deferred();
    const attempt = cache.get('k', () => failing.promise, 0);
    failing.reject(new Error('connection lost'));
    await expect(attempt.total).rejects.toThrow('connection lost');
    expect(cache.get('k', () => Promise.resolve(1), 1).cached).toBe(false);
  });

  it('with a TTL of 0 always counts; beyond its size drops the oldest entry', async () => {
    const off = new TotalCache(0);
    const count = jest.fn(() => Promise.resolve(1));
    off.get('k', count);
    off.get('k', count);
    expect(count).toHaveBeenCalledTimes(2);

    const small = new TotalCache(30_000, 2);
    small.get('a', count, 0);
    small.get('b', count, 0);
    small.get('c', count, 0);
    expect([small.get('b', count, 1).cached, small.get('c', count, 1).cached, small.get('a', count, 1).cached]).toEqual(
      [true, true, false],
    );
  });
});
