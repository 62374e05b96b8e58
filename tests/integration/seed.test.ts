/**
 * The generator behind `npm run seed` and `npm run bench:search`, in throwaway databases: the same seed
 * gives the same rows, and what it writes is consistent the way the running system keeps it (counters,
 * money split, refunds, preview limit).
 */
import { randomBytes } from 'node:crypto';
import knexFactory, { type Knex } from 'knex';
import { hashPassword } from '../../src/accounts/passwords';
import { createKnex } from '../../src/db/knex';
import { migrateLatest } from '../../src/db/migrate';
import { splitRevenue } from '../../src/domain/money';
import { seedMarketplace, type SeedSummary } from '../../src/seed/seed';

jest.setTimeout(180_000);

const serverUrl = process.env.DATABASE_URL as string;
const created: string[] = [];
let admin: Knex;

async function freshDatabase(): Promise<Knex> {
  const name = `edustream_seed_${randomBytes(5).toString('hex')}`;
  await admin.raw(`CREATE DATABASE "${name}"`);
  created.push(name);
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  await migrateLatest(url.toString());
  return createKnex(url.toString());
}

const TABLES: Record<string, string> = {
  users: 'id, email, name, role, created_at',
  courses:
    'id, instructor_id, title, description, category, difficulty_level, price_cents, subscription_price_cents, status, published_at, deleted_at, rating_average, rating_count, enrollment_count',
  course_lessons: 'id, course_id, title, lesson_order, is_preview, video_status, video_duration_seconds',
  transactions: 'id, buyer_id, course_id, amount_net_cents, stripe_fee_cents, status, completed_at, refunded_at',
  revenue_records: 'id, transaction_id, instructor_amount_cents, platform_amount_cents, status, release_at',
  enrollments: 'id, course_id, student_id, status, completed_at, last_accessed_at',
  course_reviews: 'id, enrollment_id, rating, review_text',
  course_progress: 'id, enrollment_id, lesson_id, progress_seconds, completed',
  transaction_audit_logs: 'id, transaction_id, action, metadata',
};

/** One digest per table over every column that matters (the password hash has a random salt). */
async function fingerprint(db: Knex): Promise<Record<string, string>> {
  const result: Record<string, string> = {};
  for (const [table, columns] of Object.entries(TABLES)) {
    const row = await db.raw(
      `SELECT count(*)::int AS n, md5(string_agg(t::text, '|' ORDER BY t.id)) AS digest FROM (SELECT ${columns} FROM ${table}) t`,
    );
    result[table] = `${row.rows[0].n}:${row.rows[0].digest}`;
  }
  return result;
}

describe('seedMarketplace', () => {
  let a: Knex;
  let b: Knex;
  let summary: SeedSummary;
  const options = async (seed: number) => ({
    courses: 120,
    seed,
    passwordHash: await hashPassword('seed-password'),
    batchRows: 700,
  });

  beforeAll(async () => {
    admin = knexFactory({ client: 'pg', connection: serverUrl, pool: { min: 0, max: 1 } });
    [a, b] = [await freshDatabase(), await freshDatabase()];
    const phases = new Set<string>();
    summary = await seedMarketplace(a, await options(7), (phase, done, total) => {
      phases.add(phase);
      expect(done).toBeLessThanOrEqual(total);
    });
    expect([...phases]).toEqual(['users', 'courses', 'analyze']);
  });

  afterAll(async () => {
    await Promise.all([a, b].map((db) => db?.destroy()));
    for (const name of created) await admin.raw(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
    await admin.destroy();
  });

  it('is deterministic: the same seed writes the same rows; another seed other rows', async () => {
    // Smaller batches here: batch boundaries must not change the data.
    const again = await seedMarketplace(b, { ...(await options(7)), batchRows: 97 });
    expect({ ...again, seconds: 0 }).toEqual({ ...summary, seconds: 0 });
    const [fa, fb] = [await fingerprint(a), await fingerprint(b)];
    expect(fb).toEqual(fa);

    await seedMarketplace(b, await options(8));
    const seven = new Set<string>(await a('courses').pluck('id'));
    const both: string[] = await b('courses').pluck('id');
    expect(both.filter((id) => !seven.has(id))).toHaveLength(128);
    expect((await fingerprint(b)).courses).not.toEqual(fa.courses);
  });

  it('writes the catalogue it reports, with a long tail of sales, reviews and progress', async () => {
    const statuses = await a('courses').select('status').count('* as n').groupBy('status');
    expect(Object.fromEntries(statuses.map((r) => [r.status, Number(r.n)]))).toEqual({
      published: 120,
      draft: 5,
      under_review: 1,
      archived: 2,
    });
    expect(summary.courses).toEqual({ published: 120, draft: 5, under_review: 1, archived: 2 });
    expect(summary.sales).toBeGreaterThan(100);
    expect(summary.reviews).toBeGreaterThan(10);
    expect(summary.progress).toBeGreaterThan(50);
    expect(Number((await a('course_lessons').count('* as n').first())?.n)).toBe(summary.lessons);
    const popular = await a('courses').max('enrollment_count as max').first();
    expect(popular?.max).toBeGreaterThan(5);
  });

  it('keeps the counters exact: enrollment_count by the triggers, ratings from the reviews', async () => {
    const wrongCounts = await a.raw(`
      SELECT c.id FROM courses c
      WHERE c.enrollment_count <> (SELECT count(*) FROM enrollments e WHERE e.course_id = c.id AND e.status = 'active')`);
    expect(wrongCounts.rows).toEqual([]);
    const wrongRatings = await a.raw(`
      SELECT c.id FROM courses c LEFT JOIN (
        SELECT course_id, round(avg(rating), 2) AS average, count(*)::int AS n FROM course_reviews GROUP BY course_id
      ) r ON r.course_id = c.id
      WHERE (c.rating_average, c.rating_count) <> (coalesce(r.average, 0), coalesce(r.n, 0))`);
    expect(wrongRatings.rows).toEqual([]);
  });

  it('completes exactly the enrollments whose every lesson is completed, at the last lesson watched', async () => {
    const { rows } = await a.raw(`
      SELECT e.completed_at IS NOT NULL AS completed, c.total_lessons > 0 AND c.completed_lessons = c.total_lessons AS all_done,
             e.completed_at = (SELECT max(p.last_watched_at) FROM course_progress p WHERE p.enrollment_id = e.id) AS at_last_lesson
      FROM enrollments e, enrollment_lesson_counts(e.id, e.course_id) c`);
    expect(rows.filter((r: { completed: boolean; all_done: boolean }) => r.completed !== r.all_done)).toEqual([]);
    const completed = rows.filter((r: { completed: boolean }) => r.completed);
    expect(completed.length).toBeGreaterThan(5);
    expect(completed.every((r: { at_last_lesson: boolean }) => r.at_last_lesson)).toBe(true);
  });

  it('records sales as fulfilment does: the 70/30 split, refunds revoke and cancel, nothing waits for escrow', async () => {
    const sales = await a('transactions as t')
      .join('revenue_records as r', 'r.transaction_id', 't.id')
      .join('enrollments as e', 'e.transaction_id', 't.id')
      .select(
        't.status',
        't.amount_net_cents',
        'r.instructor_amount_cents',
        'r.platform_amount_cents',
        'r.status as share',
        'e.status as access',
      );
    expect(sales).toHaveLength(summary.sales);
    for (const sale of sales) {
      const split = splitRevenue(sale.amount_net_cents);
      expect([sale.instructor_amount_cents, sale.platform_amount_cents]).toEqual([
        split.instructorCents,
        split.platformCents,
      ]);
      expect([sale.share, sale.access]).toEqual(
        sale.status === 'refunded' ? ['cancelled', 'revoked'] : ['payable', 'active'],
      );
    }
    expect(sales.filter((s) => s.status === 'refunded')).toHaveLength(summary.refunds);
    const previews = await a('course_lessons')
      .where('is_preview', true)
      .groupBy('course_id')
      .sum('video_duration_seconds as s');
    expect(previews.every((p) => Number(p.s) <= 15 * 60)).toBe(true);
  });

  it('refuses to load the same seed twice into one database', async () => {
    await expect(seedMarketplace(a, await options(7))).rejects.toThrow('seed 7 is already loaded into this database');
  });
});
