/**
 * The course API through HTTP against real Postgres (spec MKT-006): create (validation, roles,
 * Idempotency-Key), visibility by status, update, archive, and the publishing path with each rule's error.
 * Lessons come from fixtures here (ready videos in the database): the subject is the course, not the ingest.
 */
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createCourse, createReadyLessons, createSale, createUser, type FixtureUser } from '../support/fixtures';
import { startTestApi, type TestApi } from '../support/api';

let api: TestApi;
let instructor: FixtureUser;
let otherInstructor: FixtureUser;
let student: FixtureUser;
let admin: FixtureUser;

beforeAll(async () => {
  api = await startTestApi();
  const { knex, config } = api.deps;
  [instructor, otherInstructor, student, admin] = await Promise.all([
    createUser(knex, config, 'instructor'),
    createUser(knex, config, 'instructor'),
    createUser(knex, config, 'student'),
    createUser(knex, config, 'admin'),
  ]);
});
afterAll(() => api?.close());

const validCourse = {
  title: 'Python for Data Science',
  description: 'From notebooks to models.',
  category: 'data_science',
  difficultyLevel: 'beginner',
  pricingModel: 'one_time',
  priceCents: 7900,
};

const createDraft = (body: object = validCourse, who: FixtureUser = instructor) =>
  api.request.post('/api/courses').set(who.auth).send(body);

describe('POST /api/courses', () => {
  it('creates a draft owned by the instructor, money in cents', async () => {
    const res = await createDraft();
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({
      ...validCourse,
      instructorId: instructor.id,
      status: 'draft',
      subscriptionPriceCents: null,
      totalDurationMinutes: 0,
      ratingAverage: 0,
      ratingCount: 0,
      enrollmentCount: 0,
      publishedAt: null,
    });
    const row = await api.deps.knex('courses').where({ id: res.body.id }).first();
    expect(row).toMatchObject({ price_cents: 7900, status: 'draft', instructor_id: instructor.id });
  });

  it('returns the same course for a repeated Idempotency-Key, and creates one row', async () => {
    const key = randomUUID();
    const first = await createDraft().set('Idempotency-Key', key);
    const again = await createDraft().set('Idempotency-Key', key);
    expect(first.status).toBe(201);
    expect(again.status).toBe(201);
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(again.body.id).toBe(first.body.id);
    expect(await api.deps.knex('courses').where({ instructor_id: instructor.id, id: first.body.id })).toHaveLength(1);
    const different = await createDraft({ ...validCourse, title: 'Another title' }).set('Idempotency-Key', key);
    expect(different.status).toBe(409);
  });

  it('is for instructors only', async () => {
    const res = await createDraft(validCourse, student);
    expect(res.status).toBe(403);
    expect(res.body.detail).toBe('Only instructors can create courses');
    expect((await api.request.post('/api/courses').send(validCourse)).status).toBe(401);
  });

  it.each([
    ['a title under 3 characters', { title: 'ab' }, 'title'],
    ['a title over 255 characters', { title: 'x'.repeat(256) }, 'title'],
    ['an unknown category', { category: 'cooking' }, 'category'],
    ['a one-time price under $9', { priceCents: 899 }, 'priceCents'],
    ['a one-time price over $499', { priceCents: 49_901 }, 'priceCents'],
    ['a price in dollars with cents', { priceCents: 79.5 }, 'priceCents'],
    ['a one-time course without a price', { priceCents: undefined }, 'priceCents'],
    [
      'a subscription without its price',
      { pricingModel: 'subscription', priceCents: undefined },
      'subscriptionPriceCents',
    ],
    [
      'a subscription over $49.99',
      { pricingModel: 'subscription', subscriptionPriceCents: 5000 },
      'subscriptionPriceCents',
    ],
    ['an unknown field', { price: 79 }, 'body'],
  ])('refuses %s with 400 naming the field', async (_case, change, field) => {
    const res = await createDraft({ ...validCourse, ...change });
    expect(res.status).toBe(400);
    expect(res.body.errors.map((e: { field: string }) => e.field)).toContain(field);
  });

  it('accepts a subscription course at the range limits', async () => {
    for (const cents of [499, 4999]) {
      const res = await createDraft({
        ...validCourse,
        pricingModel: 'subscription',
        priceCents: undefined,
        subscriptionPriceCents: cents,
      });
      expect(res.status).toBe(201);
      expect(res.body).toMatchObject({ pricingModel: 'subscription', subscriptionPriceCents: cents, priceCents: null });
    }
  });
});

describe('GET /api/courses/:id', () => {
  it('shows a draft only to its instructor and admins (404 for anyone else)', async () => {
    const { body: draft } = await createDraft();
    expect((await api.request.get(`/api/courses/${draft.id}`).set(instructor.auth)).status).toBe(200);
    expect((await api.request.get(`/api/courses/${draft.id}`).set(admin.auth)).status).toBe(200);
    expect((await api.request.get(`/api/courses/${draft.id}`).set(otherInstructor.auth)).status).toBe(404);
    expect((await api.request.get(`/api/courses/${draft.id}`).set(student.auth)).status).toBe(404);
    expect((await api.request.get(`/api/courses/${draft.id}`)).status).toBe(404);
  });

  it('shows a published course to anyone, with its lessons and denormalized counters', async () => {
    const course = await createCourse(api.deps.knex, instructor.id);
    await createReadyLessons(api.deps.knex, course.id, 3, { previews: 1 });
    // The counters are kept by database triggers from the enrollments and reviews themselves.
    const { knex, config } = api.deps;
    for (const rating of [4, 5]) {
      const buyer = await createUser(knex, config, 'student');
      const sale = await createSale(knex, { buyerId: buyer.id, courseId: course.id, grossCents: course.priceCents });
      await knex('course_reviews').insert({
        course_id: course.id,
        reviewer_id: buyer.id,
        enrollment_id: sale.enrollmentId,
        rating,
      });
    }
    const res = await api.request.get(`/api/courses/${course.id}`);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      id: course.id,
      status: 'published',
      ratingAverage: 4.5,
      ratingCount: 2,
      enrollmentCount: 2,
    });
    expect(res.body.lessons.map((l: { lessonOrder: number }) => l.lessonOrder)).toEqual([1, 2, 3]);
    expect(new Date(res.body.publishedAt).getTime()).not.toBeNaN();
  });

  it('answers 404 for an unknown id and 400 for a malformed one', async () => {
    expect((await api.request.get(`/api/courses/${randomUUID()}`)).status).toBe(404);
    expect((await api.request.get('/api/courses/not-a-uuid')).status).toBe(400);
  });
});

describe('PUT /api/courses/:id', () => {
  it('updates the fields sent, and switching the pricing model needs the new price', async () => {
    const { body: draft } = await createDraft();
    const renamed = await api.request
      .put(`/api/courses/${draft.id}`)
      .set(instructor.auth)
      .send({ title: 'Renamed course' });
    expect(renamed.status).toBe(200);
    expect(renamed.body).toMatchObject({
      title: 'Renamed course',
      priceCents: 7900,
      description: validCourse.description,
    });

    const missing = await api.request
      .put(`/api/courses/${draft.id}`)
      .set(instructor.auth)
      .send({ pricingModel: 'subscription' });
    expect(missing.status).toBe(400);
    expect(missing.body.errors[0].field).toBe('subscriptionPriceCents');
    const switched = await api.request
      .put(`/api/courses/${draft.id}`)
      .set(instructor.auth)
      .send({ pricingModel: 'subscription', subscriptionPriceCents: 1999 });
    expect(switched.body).toMatchObject({
      pricingModel: 'subscription',
      subscriptionPriceCents: 1999,
      priceCents: null,
    });
    expect((await api.request.put(`/api/courses/${draft.id}`).set(instructor.auth).send({})).status).toBe(400);
  });

  it('is for the owner and admins', async () => {
    const course = await createCourse(api.deps.knex, instructor.id);
    const other = await api.request
      .put(`/api/courses/${course.id}`)
      .set(otherInstructor.auth)
      .send({ title: 'Mine now' });
    expect(other.status).toBe(403);
    expect(
      (await api.request.put(`/api/courses/${course.id}`).set(student.auth).send({ title: 'Mine now' })).status,
    ).toBe(403);
    expect(
      (await api.request.put(`/api/courses/${course.id}`).set(admin.auth).send({ title: 'Fixed by admin' })).status,
    ).toBe(200);
  });
});

describe('DELETE /api/courses/:id (archive)', () => {
  it('archives (soft delete), then updates answer 410 and the public no longer sees it; enrolled students still do', async () => {
    const course = await createCourse(api.deps.knex, instructor.id);
    await createSale(api.deps.knex, { buyerId: student.id, courseId: course.id, grossCents: course.priceCents });

    await api.request.delete(`/api/courses/${course.id}`).set(instructor.auth).expect(204);
    const row = await api.deps.knex('courses').where({ id: course.id }).first();
    expect(row.status).toBe('archived');
    expect(row.deleted_at).toBeInstanceOf(Date);

    const update = await api.request.put(`/api/courses/${course.id}`).set(instructor.auth).send({ title: 'Too late' });
    expect(update.status).toBe(410);
    expect(update.body.detail).toBe('Course is archived');
    expect((await api.request.post(`/api/courses/${course.id}/publish`).set(instructor.auth)).status).toBe(410);
    expect((await api.request.get(`/api/courses/${course.id}`)).status).toBe(404);
    expect((await api.request.get(`/api/courses/${course.id}`).set(student.auth)).status).toBe(200);
    await api.request.delete(`/api/courses/${course.id}`).set(instructor.auth).expect(204); // idempotent
  });
});

describe('a submitted course keeps its 15-minute preview limit', () => {
  const lengthUnknown = 'A lesson of a submitted course can become a preview once its video is processed';
  const makePreview = (courseId: string, lessonId: string) =>
    api.request.patch(`/api/courses/${courseId}/lessons/${lessonId}`).set(instructor.auth).send({ isPreview: true });

  it('a processed lesson becomes a preview within the limit; beyond it, or before its length is known, 400 and nothing changes', async () => {
    const course = await createCourse(api.deps.knex, instructor.id); // published, previews: lessons 1-2 (10 minutes)
    const [, , third, fourth] = await createReadyLessons(api.deps.knex, course.id, 4, {
      previews: 2,
      durationSeconds: 300,
    });
    await api.deps
      .knex('course_lessons')
      .where({ id: fourth.id })
      .update({ video_status: 'processing', video_duration_seconds: null });

    const unknown = await makePreview(course.id, fourth.id);
    expect({ status: unknown.status, detail: unknown.body.detail }).toEqual({ status: 400, detail: lengthUnknown });
    expect((await makePreview(course.id, third.id)).body).toMatchObject({ isPreview: true }); // exactly 15 minutes

    await api.deps
      .knex('course_lessons')
      .where({ id: fourth.id })
      .update({ video_status: 'ready', video_duration_seconds: 1 });
    const tooLong = await makePreview(course.id, fourth.id);
    expect({ status: tooLong.status, detail: tooLong.body.detail }).toEqual({
      status: 400,
      detail: 'Preview duration exceeds 15 minute limit',
    });
    expect(
      await api.deps
        .knex('course_lessons')
        .where({ course_id: course.id, is_preview: true })
        .orderBy('lesson_order')
        .pluck('lesson_order'),
    ).toEqual([1, 2, 3]);
  });

  it('a new lesson of a submitted course cannot start as a preview (its length is unknown), by either upload', async () => {
    const course = await createCourse(api.deps.knex, instructor.id, { status: 'under_review' });
    const direct = await api.request
      .post(`/api/courses/${course.id}/lessons/uploads`)
      .set(instructor.auth)
      .send({ title: 'Teaser', contentType: 'video/mp4', sizeBytes: 1024, isPreview: true });
    expect({ status: direct.status, errors: direct.body.errors }).toEqual({
      status: 400,
      errors: [{ field: 'isPreview', message: lengthUnknown, in: 'body' }],
    });

    const dir = await fs.promises.mkdtemp(path.join(os.tmpdir(), 'preview-'));
    const file = path.join(dir, 'teaser.mp4');
    await fs.promises.writeFile(file, Buffer.alloc(1024));
    const streamed = await api.request
      .post(`/api/courses/${course.id}/lessons`)
      .set(instructor.auth)
      .field('title', 'Teaser')
      .field('isPreview', 'true')
      .attach('video', file);
    await fs.promises.rm(dir, { recursive: true });
    expect({ status: streamed.status, detail: streamed.body.detail }).toEqual({ status: 400, detail: lengthUnknown });
    expect(await api.deps.knex('course_lessons').where({ course_id: course.id })).toEqual([]);

    // Not a preview, it is added (and may become one once processed).
    const plain = await api.request
      .post(`/api/courses/${course.id}/lessons/uploads`)
      .set(instructor.auth)
      .send({ title: 'Teaser', contentType: 'video/mp4', sizeBytes: 1024, isPreview: false });
    expect(plain.status).toBe(201);
  });
});

describe('POST /api/courses/:id/publish', () => {
  const publish = (id: string, who: FixtureUser) => api.request.post(`/api/courses/${id}/publish`).set(who.auth);
  const draftWith = async (lessons: number, opts: { previews?: number; durationSeconds?: number } = {}) => {
    const course = await createCourse(api.deps.knex, instructor.id, { status: 'draft' });
    if (lessons > 0) await createReadyLessons(api.deps.knex, course.id, lessons, opts);
    return course;
  };

  it('refuses fewer than 3 lessons', async () => {
    const course = await draftWith(2);
    const res = await publish(course.id, instructor);
    expect(res.status).toBe(400);
    expect(res.body.detail).toBe('Course must have at least 3 lessons');
  });

  it('refuses a lesson whose video is not processed successfully', async () => {
    for (const state of [
      { video_status: 'processing' },
      { video_status: 'failed', failure_reason: 'The file is not a readable video: moov atom not found' },
    ]) {
      const course = await draftWith(3);
      await api.deps.knex('course_lessons').where({ course_id: course.id, lesson_order: 2 }).update(state);
      const res = await publish(course.id, instructor);
      expect(res.status).toBe(400);
      expect(res.body.detail).toBe('Every lesson video must be processed successfully before publishing');
    }
  });

  it('refuses free previews longer than 15 minutes in total, and accepts exactly 15', async () => {
    const tooLong = await draftWith(3, { previews: 2, durationSeconds: 451 });
    const res = await publish(tooLong.id, instructor);
    expect(res.status).toBe(400);
    expect(res.body.detail).toBe('Preview duration exceeds 15 minute limit');
    const exact = await draftWith(3, { previews: 2, durationSeconds: 450 });
    expect((await publish(exact.id, instructor)).status).toBe(200);
  });

  it('goes draft → under_review (owner) → published (admin) with published_at', async () => {
    const course = await draftWith(3, { previews: 1 });
    const submitted = await publish(course.id, instructor);
    expect(submitted.status).toBe(200);
    expect(submitted.body).toMatchObject({ status: 'under_review', publishedAt: null });
    expect((await api.request.get(`/api/courses/${course.id}`)).status).toBe(404); // not public yet

    const again = await publish(course.id, instructor);
    expect(again.status).toBe(409);
    expect((await publish(course.id, otherInstructor)).status).toBe(404);
    expect((await publish(course.id, student)).status).toBe(403);

    const approved = await publish(course.id, admin);
    expect(approved.status).toBe(200);
    expect(approved.body.status).toBe('published');
    expect(Math.abs(new Date(approved.body.publishedAt).getTime() - Date.now())).toBeLessThan(60_000);
    expect((await api.request.get(`/api/courses/${course.id}`)).body.status).toBe('published');
    expect((await publish(course.id, admin)).status).toBe(409);
  });

  it('publishes a submission at once when AUTO_APPROVE_COURSES is on', async () => {
    const autoApi = await startTestApi({ env: { AUTO_APPROVE_COURSES: 'true' } });
    try {
      const course = await draftWith(3);
      const res = await autoApi.request.post(`/api/courses/${course.id}/publish`).set(instructor.auth);
      expect(res.status).toBe(200);
      expect(res.body.status).toBe('published');
      expect(res.body.publishedAt).not.toBeNull();
      const rules = await draftWith(1);
      expect((await autoApi.request.post(`/api/courses/${rules.id}/publish`).set(instructor.auth)).status).toBe(400);
    } finally {
      await autoApi.close();
    }
  });
});
