/**
 * courses.enrollment_count is kept by triggers on enrollments (migration 20261127600001): every way an
 * enrollment appears, changes state, moves or disappears, against the real database.
 */
import type { Knex } from 'knex';
import { loadConfig } from '../../src/config';
import { createKnex } from '../../src/db/knex';
import { createCourse, createSale, createUser, type FixtureUser } from '../support/fixtures';

describe('courses.enrollment_count', () => {
  const config = loadConfig(process.env);
  let knex: Knex;
  let instructor: FixtureUser;
  beforeAll(async () => {
    knex = createKnex(config.DATABASE_URL);
    instructor = await createUser(knex, config, 'instructor');
  });
  afterAll(() => knex.destroy());

  const countOf = async (courseId: string): Promise<number> =>
    (await knex('courses').where({ id: courseId }).first('enrollment_count')).enrollment_count;
  const activeOf = async (courseId: string): Promise<number> =>
    Number((await knex('enrollments').where({ course_id: courseId, status: 'active' }).count('* as n').first())?.n);
  const buy = async (courseId: string, buyerId?: string) =>
    createSale(knex, {
      buyerId: buyerId ?? (await createUser(knex, config, 'student')).id,
      courseId,
      grossCents: 4900,
    });

  it('counts each sale, forgets a revoked enrollment, and counts it again when the buyer re-purchases', async () => {
    const course = await createCourse(knex, instructor.id);
    const first = await buy(course.id);
    const second = await buy(course.id);
    expect(await countOf(course.id)).toBe(2);

    await knex('enrollments')
      .where({ id: first.enrollmentId })
      .update({ status: 'revoked', revoked_at: knex.fn.now() });
    expect(await countOf(course.id)).toBe(1);
    // Revoking twice (a retried refund) changes nothing.
    await knex('enrollments')
      .where({ id: first.enrollmentId })
      .update({ status: 'revoked', revoked_at: knex.fn.now() });
    expect(await countOf(course.id)).toBe(1);

    // recordCompletedSale re-activates the same row through INSERT … ON CONFLICT DO UPDATE.
    const buyerId = (await knex('enrollments').where({ id: first.enrollmentId }).first('student_id')).student_id;
    await buy(course.id, buyerId);
    expect(await countOf(course.id)).toBe(2);

    // Updates that leave status and course alone (progress touching last_accessed_at) change nothing.
    await knex('enrollments')
      .where({ id: second.enrollmentId })
      .update({ last_accessed_at: knex.fn.now(), completed_at: knex.fn.now() });
    expect(await countOf(course.id)).toBe(2);
    expect(await activeOf(course.id)).toBe(2);
  });

  it('follows deletes, bulk inserts and an enrollment moved to another course', async () => {
    const a = await createCourse(knex, instructor.id);
    const b = await createCourse(knex, instructor.id);
    const sales = await Promise.all([buy(a.id), buy(a.id), buy(a.id)]);
    expect(await countOf(a.id)).toBe(3);

    const rows = await knex('enrollments').whereIn(
      'id',
      sales.map((s) => s.enrollmentId),
    );
    await knex('enrollments')
      .whereIn(
        'id',
        sales.map((s) => s.enrollmentId),
      )
      .delete();
    expect(await countOf(a.id)).toBe(0);

    // One statement, several rows, two courses, one of them revoked: one trigger run does it all.
    const [revoked, ...rest] = rows;
    await knex('enrollments').insert([
      { ...revoked, status: 'revoked', revoked_at: new Date() },
      { ...rest[0], course_id: b.id },
      rest[1],
    ]);
    expect([await countOf(a.id), await countOf(b.id)]).toEqual([1, 1]);

    await knex('enrollments').where({ id: rest[1].id }).update({ course_id: b.id });
    expect([await countOf(a.id), await countOf(b.id)]).toEqual([0, 2]);
  });

  it('stays exact under concurrent purchases of one course', async () => {
    const course = await createCourse(knex, instructor.id);
    const buyers = await Promise.all(Array.from({ length: 12 }, () => createUser(knex, config, 'student')));
    await Promise.all(buyers.map((buyer) => buy(course.id, buyer.id)));
    expect(await countOf(course.id)).toBe(12);
  });

  it('ignores writes from anywhere else: a stale full-row update cannot overwrite the count, a new course starts at 0', async () => {
    const course = await createCourse(knex, instructor.id);
    await buy(course.id);
    await knex('courses').where({ id: course.id }).update({ enrollment_count: 99, title: 'Renamed by a stale write' });
    expect(await knex('courses').where({ id: course.id }).first('title', 'enrollment_count')).toEqual({
      title: 'Renamed by a stale write',
      enrollment_count: 1,
    });

    const [inserted] = await knex('courses')
      .insert({
        instructor_id: instructor.id,
        title: 'Claims students it does not have',
        description: 'x',
        category: 'music',
        difficulty_level: 'beginner',
        pricing_model: 'one_time',
        price_cents: 1900,
        enrollment_count: 500,
      })
      .returning('enrollment_count');
    expect(inserted.enrollment_count).toBe(0);
  });

  it("matches the enrollments table for every one of this instructor's courses", async () => {
    const course = await createCourse(knex, instructor.id);
    const [revoked] = await Promise.all([buy(course.id), buy(course.id), buy(course.id)]);
    await knex('enrollments')
      .where({ id: revoked.enrollmentId })
      .update({ status: 'revoked', revoked_at: knex.fn.now() });
    expect(await countOf(course.id)).toBe(2);
    const mismatched = await knex('courses as c')
      .where('c.instructor_id', instructor.id)
      .whereRaw(
        "c.enrollment_count <> (SELECT count(*) FROM enrollments e WHERE e.course_id = c.id AND e.status = 'active')",
      )
      .pluck('c.id');
    expect(mismatched).toEqual([]);
  });
});
