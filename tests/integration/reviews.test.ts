/**
 * Reviews (spec MKT-025..027) through HTTP against real Postgres: who may review (bought, ≥ 50% watched, once),
 * the spec's messages, HTML stripped, listing (newest / most helpful, paginated, rating summary), helpful votes
 * (once per user, not one's own), deletion (author or admin), and the course aggregates staying equal to a
 * recount of the reviews under concurrent writers.
 */
import { randomUUID } from 'node:crypto';
import { createCourse, createUser } from '../support/fixtures';
import { startTestApi, type TestApi } from '../support/api';
import { createEnrolledStudent, revoke, watchLessons, type EnrolledStudent } from '../support/learning';
import { expectProblem } from '../support/problems';

let t: TestApi;
beforeAll(async () => {
  t = await startTestApi();
});
afterAll(async () => {
  await t?.close();
});

const knex = () => t.deps.knex;
const enrolled = (opts?: Parameters<typeof createEnrolledStudent>[2]) =>
  createEnrolledStudent(knex(), t.deps.config, opts);

/** Enrolled in `course`'s course (or a new 2-lesson course) with half of it watched: allowed to review. */
async function reviewer(course?: EnrolledStudent, name?: string): Promise<EnrolledStudent> {
  const e = await enrolled({ lessons: 2, sameCourseAs: course, studentName: name });
  await watchLessons(t, e, 1);
  return e;
}

function postReview(e: EnrolledStudent, body: object, courseId = e.course.id) {
  return t.request.post(`/api/courses/${courseId}/reviews`).set(e.student.auth).send(body);
}

/** The course row's aggregates next to a recount of its reviews: they must always be equal. */
async function aggregates(courseId: string) {
  const course = await knex()('courses')
    .where({ id: courseId })
    .first('rating_average', 'rating_count', 'rating_distribution');
  const recount = await knex()('course_reviews')
    .where({ course_id: courseId })
    .select(
      knex().raw('count(*)::int AS count'),
      knex().raw('coalesce(round(avg(rating), 2), 0)::text AS average'),
      knex().raw(
        `array[${[1, 2, 3, 4, 5].map((s) => `(count(*) filter (where rating = ${s}))::int`).join(',')}] AS distribution`,
      ),
    )
    .first();
  return {
    stored: {
      count: course.rating_count,
      average: Number(course.rating_average),
      distribution: course.rating_distribution,
    },
    recount: { count: recount.count, average: Number(recount.average), distribution: recount.distribution },
  };
}

describe('POST /api/courses/:id/reviews', () => {
  it('creates the review of a student who bought the course and completed half of it, HTML stripped', async () => {
    const e = await reviewer(undefined, 'Rita Reviewer');
    const res = await postReview(e, {
      rating: 4,
      reviewText: '<p>Very <b>clear</b> &amp; practical</p><script>alert(1)</script>',
    });
    expect(res.status).toBe(201);
    expect(res.body).toEqual({
      id: expect.any(String),
      courseId: e.course.id,
      rating: 4,
      reviewText: 'Very clear & practical',
      helpfulCount: 0,
      helpfulByMe: false,
      reviewer: { id: e.student.id, name: 'Rita Reviewer' },
      createdAt: expect.any(String),
      updatedAt: expect.any(String),
    });
    const row = await knex()('course_reviews').where({ id: res.body.id }).first();
    expect(row).toMatchObject({
      enrollment_id: e.enrollmentId,
      reviewer_id: e.student.id,
      review_text: 'Very clear & practical',
    });
    expect(await aggregates(e.course.id)).toMatchObject({
      stored: { count: 1, average: 4, distribution: [0, 0, 0, 1, 0] },
    });
  });

  it('accepts a rating without text (and text that is only markup becomes no text)', async () => {
    const e = await reviewer();
    expect((await postReview(e, { rating: 5 })).body).toMatchObject({ rating: 5, reviewText: null });
    const other = await reviewer(e);
    expect((await postReview(other, { rating: 3, reviewText: '<img src=x onerror=alert(1)>' })).body).toMatchObject({
      reviewText: null,
    });
  });

  it('refuses students who did not buy the course, or were refunded: 403 "Purchase course to leave review"', async () => {
    const e = await reviewer();
    const outsider = await createUser(knex(), t.deps.config, 'student');
    const res = await t.request.post(`/api/courses/${e.course.id}/reviews`).set(outsider.auth).send({ rating: 5 });
    expectProblem(res, 403, 'Purchase course to leave review');
    const instructor = await t.request
      .post(`/api/courses/${e.course.id}/reviews`)
      .set(e.instructor.auth)
      .send({ rating: 5 });
    expectProblem(instructor, 403, 'Purchase course to leave review');

    await revoke(knex(), e.enrollmentId);
    expectProblem(await postReview(e, { rating: 1 }), 403, 'Purchase course to leave review');
    expect(await knex()('course_reviews').where({ course_id: e.course.id })).toHaveLength(0);
  });

  it('refuses a student below 50% of the course: 403 "Complete 50% of course to review"', async () => {
    const e = await enrolled({ lessons: 4 });
    await watchLessons(t, e, 1);
    expectProblem(await postReview(e, { rating: 5 }), 403, 'Complete 50% of course to review');
    await watchLessons(t, e, 2);
    expect((await postReview(e, { rating: 5 })).status).toBe(201);
  });

  it('allows one review per student and course: 409 "You already reviewed this course", also for concurrent submissions', async () => {
    const e = await reviewer();
    const results = await Promise.all([5, 4, 3].map((rating) => postReview(e, { rating })));
    expect(results.map((r) => r.status).sort()).toEqual([201, 409, 409]);
    for (const res of results.filter((r) => r.status === 409))
      expect(res.body.detail).toBe('You already reviewed this course');
    expectProblem(await postReview(e, { rating: 2 }), 409, 'You already reviewed this course');
    expect(await knex()('course_reviews').where({ course_id: e.course.id })).toHaveLength(1);
  });

  it.each([[0], [6], [4.5], ['5'], [null], [undefined]])(
    'rejects rating %p with 400 "Rating must be 1-5 stars"',
    async (rating) => {
      const e = await reviewer();
      const res = await postReview(e, { rating, reviewText: 'ok' });
      expect(res.status).toBe(400);
      expect(res.body.detail).toBe('Rating must be 1-5 stars');
      expect(res.body.errors).toEqual([{ field: 'rating', message: 'Rating must be 1-5 stars', in: 'body' }]);
    },
  );

  it('limits the text to 500 characters after HTML is stripped: 400 "Review too long (max 500 chars)"', async () => {
    const [a, b, c] = await Promise.all([reviewer(), reviewer(), reviewer()]);
    const tooLong = await postReview(a, { rating: 4, reviewText: 'x'.repeat(501) });
    expect(tooLong.status).toBe(400);
    expect(tooLong.body.errors).toEqual([
      { field: 'reviewText', message: 'Review too long (max 500 chars)', in: 'body' },
    ]);
    expect(tooLong.body.detail).toBe('Review too long (max 500 chars)');

    // 500 characters of text inside markup are 500 characters.
    const wrapped = await postReview(a, { rating: 4, reviewText: `<div><em>${'y'.repeat(500)}</em></div>` });
    expect(wrapped.status).toBe(201);
    expect(wrapped.body.reviewText).toHaveLength(500);
    // Characters, not UTF-16 units: 500 emoji fit (the table's char_length check agrees).
    const emoji = await postReview(b, { rating: 5, reviewText: '👍'.repeat(500) });
    expect(emoji.status).toBe(201);
    expect((await postReview(c, { rating: 5, reviewText: '👍'.repeat(501) })).status).toBe(400);
  });

  it('answers 404 for an unknown course and 401 without a token', async () => {
    const e = await reviewer();
    expectProblem(await postReview(e, { rating: 5 }, randomUUID()), 404, 'Course not found');
    expect((await t.request.post(`/api/courses/${e.course.id}/reviews`).send({ rating: 5 })).status).toBe(401);
  });
});

describe('GET /api/courses/:id/reviews', () => {
  it('pages through reviews newest first or most helpful first, with the rating summary; anyone may read', async () => {
    const first = await reviewer(undefined, 'Reviewer A');
    const others = [];
    for (const name of ['Reviewer B', 'Reviewer C', 'Reviewer D']) others.push(await reviewer(first, name));
    const all = [first, ...others];
    const ratings = [5, 4, 4, 1];
    const ids: string[] = [];
    for (const [i, e] of all.entries()) {
      const res = await postReview(e, { rating: ratings[i], reviewText: `review ${i}` });
      ids.push(res.body.id);
    }
    // Helpful votes: C's review gets 2, A's gets 1.
    const voters = await Promise.all([1, 2].map(() => createUser(knex(), t.deps.config, 'student')));
    for (const voter of voters) await t.request.put(`/api/reviews/${ids[2]}/helpful`).set(voter.auth).expect(200);
    await t.request.put(`/api/reviews/${ids[0]}/helpful`).set(voters[0].auth).expect(200);

    const newest = await t.request.get(`/api/courses/${first.course.id}/reviews`);
    expect(newest.status).toBe(200);
    expect(newest.body.summary).toEqual({
      ratingAverage: 3.5,
      ratingCount: 4,
      distribution: { 1: 1, 2: 0, 3: 0, 4: 2, 5: 1 },
    });
    expect(newest.body).toMatchObject({ page: 1, limit: 10, total: 4 });
    expect(newest.body.items.map((r: { id: string }) => r.id)).toEqual([...ids].reverse());
    expect(newest.body.items[0]).toMatchObject({
      reviewer: { name: 'Reviewer D' },
      rating: 1,
      reviewText: 'review 3',
      helpfulByMe: false,
    });

    const helpful = await t.request
      .get(`/api/courses/${first.course.id}/reviews?sort=most_helpful`)
      .set(voters[0].auth);
    expect(helpful.body.items.map((r: { id: string; helpfulCount: number }) => [r.id, r.helpfulCount])).toEqual([
      [ids[2], 2],
      [ids[0], 1],
      [ids[3], 0],
      [ids[1], 0],
    ]);
    expect(helpful.body.items.map((r: { helpfulByMe: boolean }) => r.helpfulByMe)).toEqual([true, true, false, false]);

    const page2 = await t.request.get(`/api/courses/${first.course.id}/reviews?limit=3&page=2`);
    expect(page2.body).toMatchObject({ page: 2, limit: 3, total: 4 });
    expect(page2.body.items.map((r: { id: string }) => r.id)).toEqual([ids[0]]);

    for (const bad of ['sort=best', 'limit=0', 'limit=51', 'page=0']) {
      expect((await t.request.get(`/api/courses/${first.course.id}/reviews?${bad}`)).status).toBe(400);
    }
  });

  it('shows an empty summary for a course without reviews, and hides unpublished courses from the public (404)', async () => {
    const instructor = await createUser(knex(), t.deps.config, 'instructor');
    const published = await createCourse(knex(), instructor.id);
    const empty = await t.request.get(`/api/courses/${published.id}/reviews`);
    expect(empty.body).toEqual({
      summary: { ratingAverage: 0, ratingCount: 0, distribution: { 1: 0, 2: 0, 3: 0, 4: 0, 5: 0 } },
      items: [],
      page: 1,
      limit: 10,
      total: 0,
    });

    const draft = await createCourse(knex(), instructor.id, { status: 'draft' });
    expectProblem(await t.request.get(`/api/courses/${draft.id}/reviews`), 404, 'Course not found');
    expect((await t.request.get(`/api/courses/${draft.id}/reviews`).set(instructor.auth)).status).toBe(200);
    expectProblem(await t.request.get(`/api/courses/${randomUUID()}/reviews`), 404, 'Course not found');
  });
});

describe('PUT /api/reviews/:id/helpful', () => {
  it('counts one vote per user (repeating it changes nothing), never the author’s own', async () => {
    const e = await reviewer();
    const review = (await postReview(e, { rating: 5 })).body;
    const voter = await createUser(knex(), t.deps.config, 'student');

    const vote = () => t.request.put(`/api/reviews/${review.id}/helpful`).set(voter.auth);
    expect((await vote()).body).toEqual({ reviewId: review.id, helpfulCount: 1, helpfulByMe: true });
    expect((await vote()).body).toEqual({ reviewId: review.id, helpfulCount: 1, helpfulByMe: true });
    expect(await knex()('review_votes').where({ review_id: review.id })).toHaveLength(1);

    const own = await t.request.put(`/api/reviews/${review.id}/helpful`).set(e.student.auth);
    expectProblem(own, 403, 'You cannot mark your own review as helpful');
    expectProblem(await t.request.put(`/api/reviews/${randomUUID()}/helpful`).set(voter.auth), 404, 'Review not found');
    expect((await t.request.put(`/api/reviews/${review.id}/helpful`)).status).toBe(401);
    expect(await knex()('course_reviews').where({ id: review.id }).first('helpful_count')).toEqual({
      helpful_count: 1,
    });
  });

  it('counts every vote exactly once when many arrive at the same time (and duplicates among them)', async () => {
    const e = await reviewer();
    const review = (await postReview(e, { rating: 5 })).body;
    const voters = await Promise.all(Array.from({ length: 12 }, () => createUser(knex(), t.deps.config, 'student')));
    const results = await Promise.all(
      [...voters, ...voters.slice(0, 6)].map((v) => t.request.put(`/api/reviews/${review.id}/helpful`).set(v.auth)),
    );
    expect(results.every((r) => r.status === 200)).toBe(true);
    expect(Math.max(...results.map((r) => r.body.helpfulCount))).toBe(12);
    expect(await knex()('course_reviews').where({ id: review.id }).first('helpful_count')).toEqual({
      helpful_count: 12,
    });
  });
});

describe('DELETE /api/reviews/:id', () => {
  it('lets the author delete their review (the rating summary follows); another student gets 403', async () => {
    const e = await reviewer();
    const other = await reviewer(e);
    const mine = (await postReview(e, { rating: 2 })).body;
    await postReview(other, { rating: 4 }).expect(201);
    expect((await aggregates(e.course.id)).stored).toEqual({ count: 2, average: 3, distribution: [0, 1, 0, 1, 0] });

    expectProblem(
      await t.request.delete(`/api/reviews/${mine.id}`).set(other.student.auth),
      403,
      'You can only delete your own reviews',
    );
    expect((await t.request.delete(`/api/reviews/${mine.id}`).set(e.student.auth)).status).toBe(204);
    expect((await aggregates(e.course.id)).stored).toEqual({ count: 1, average: 4, distribution: [0, 0, 0, 1, 0] });
    expectProblem(await t.request.delete(`/api/reviews/${mine.id}`).set(e.student.auth), 404, 'Review not found');
    // Deleted, the student may review again.
    expect((await postReview(e, { rating: 3 })).status).toBe(201);
  });

  it('lets an admin delete any review, votes included', async () => {
    const e = await reviewer();
    const review = (await postReview(e, { rating: 1, reviewText: 'spam' })).body;
    const voter = await createUser(knex(), t.deps.config, 'student');
    await t.request.put(`/api/reviews/${review.id}/helpful`).set(voter.auth).expect(200);
    const admin = await createUser(knex(), t.deps.config, 'admin');
    expect((await t.request.delete(`/api/reviews/${review.id}`).set(admin.auth)).status).toBe(204);
    expect(await knex()('review_votes').where({ review_id: review.id })).toHaveLength(0);
    expect((await aggregates(e.course.id)).stored).toEqual({ count: 0, average: 0, distribution: [0, 0, 0, 0, 0] });
  });
});

describe('course rating aggregates', () => {
  it('equal a recount of the reviews after concurrent submissions and deletions', async () => {
    const first = await reviewer();
    const students = [first, ...(await Promise.all(Array.from({ length: 15 }, () => reviewer(first))))];
    const posted = await Promise.all(students.map((e, i) => postReview(e, { rating: (i % 5) + 1 })));
    expect(posted.every((r) => r.status === 201)).toBe(true);

    let { stored, recount } = await aggregates(first.course.id);
    expect(stored).toEqual(recount);
    expect(stored).toEqual({ count: 16, average: 2.88, distribution: [4, 3, 3, 3, 3] });

    await Promise.all(
      students
        .slice(0, 7)
        .map((e, i) => t.request.delete(`/api/reviews/${posted[i].body.id}`).set(e.student.auth).expect(204)),
    );
    ({ stored, recount } = await aggregates(first.course.id));
    expect(stored).toEqual(recount);
    expect(stored.count).toBe(9);
  });

  it('stay exact for writers other than the API (a bulk insert, a rating edit, a delete in SQL)', async () => {
    const first = await reviewer();
    const students = [first, ...(await Promise.all(Array.from({ length: 3 }, () => reviewer(first))))];
    await knex()('course_reviews').insert(
      students.map((e, i) => ({
        course_id: e.course.id,
        reviewer_id: e.student.id,
        enrollment_id: e.enrollmentId,
        rating: i + 2,
      })),
    );
    expect((await aggregates(first.course.id)).stored).toEqual({
      count: 4,
      average: 3.5,
      distribution: [0, 1, 1, 1, 1],
    });
    await knex()('course_reviews').where({ reviewer_id: students[3].student.id }).update({ rating: 1 });
    expect((await aggregates(first.course.id)).stored).toEqual({
      count: 4,
      average: 2.5,
      distribution: [1, 1, 1, 1, 0],
    });
    await knex()('course_reviews').where({ course_id: first.course.id }).delete();
    expect((await aggregates(first.course.id)).stored).toEqual({ count: 0, average: 0, distribution: [0, 0, 0, 0, 0] });
  });
});
