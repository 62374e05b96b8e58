/**
 * My learning (spec MKT-024) through HTTP against real Postgres: the list, per-lesson progress, the
 * idempotent progress upsert and its rules (90% completes a lesson, the last lesson completes the
 * enrollment — also when lessons are completed concurrently), and who may do what.
 */
import { randomUUID } from 'node:crypto';
import { createUser } from '../support/fixtures';
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

const enrolled = (opts?: Parameters<typeof createEnrolledStudent>[2]) =>
  createEnrolledStudent(t.deps.knex, t.deps.config, opts);

function putProgress(e: EnrolledStudent, lessonId: string, body: unknown, auth = e.student.auth) {
  return t.request
    .put(`/api/enrollments/${e.enrollmentId}/progress/${lessonId}`)
    .set(auth)
    .send(body as object);
}

const progressRows = (enrollmentId: string) =>
  t.deps.knex('course_progress').where({ enrollment_id: enrollmentId }).orderBy('created_at');

describe('PUT /api/enrollments/:id/progress/:lessonId', () => {
  it('saves the playback position; repeating it is idempotent (one row, same state)', async () => {
    const e = await enrolled();
    const lesson = e.lessons[0].id;
    const first = await putProgress(e, lesson, { progressSeconds: 120 });
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({ lessonId: lesson, progressSeconds: 120, completed: false });
    const again = await putProgress(e, lesson, { progressSeconds: 120 });
    expect(again.status).toBe(200);
    expect(again.body).toMatchObject({ lessonId: lesson, progressSeconds: 120, completed: false });

    const rows = await progressRows(e.enrollmentId);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ lesson_id: lesson, progress_seconds: 120, completed: false });
  });

  it('completes a lesson at 90% of its duration (fractions of a second rounded down), and keeps it completed when seeking back', async () => {
    const e = await enrolled({ durationSeconds: 300 });
    const lesson = e.lessons[0].id;
    expect((await putProgress(e, lesson, { progressSeconds: 269.9 })).body).toMatchObject({
      progressSeconds: 269,
      completed: false,
    });
    expect((await putProgress(e, lesson, { progressSeconds: 270 })).body).toMatchObject({
      progressSeconds: 270,
      completed: true,
    });
    // Rewatching from the start moves the position, not the completion.
    expect((await putProgress(e, lesson, { progressSeconds: 15 })).body).toMatchObject({
      progressSeconds: 15,
      completed: true,
    });
    // The spec's `completed` flag is not the client's to set.
    expect((await putProgress(e, e.lessons[1].id, { progressSeconds: 10, completed: true })).body).toMatchObject({
      completed: false,
    });
  });

  it('accepts exactly the lesson duration; beyond it (or a negative / non-numeric value) is 400 "Invalid progress value"', async () => {
    const e = await enrolled({ durationSeconds: 300 });
    const lesson = e.lessons[0].id;
    expect((await putProgress(e, lesson, { progressSeconds: 300 })).body).toMatchObject({
      progressSeconds: 300,
      completed: true,
    });

    const beyond = await putProgress(e, lesson, { progressSeconds: 301 });
    expectProblem(beyond, 400, 'Invalid progress value');
    expect(beyond.body.errors).toEqual([{ field: 'progressSeconds', message: 'Invalid progress value', in: 'body' }]);

    for (const body of [{ progressSeconds: -1 }, { progressSeconds: 'ten' }, {}, { progressSeconds: null }]) {
      const res = await putProgress(e, lesson, body);
      expectProblem(res, 400, 'Invalid progress value');
      expect(res.body.errors).toEqual([{ field: 'progressSeconds', message: 'Invalid progress value', in: 'body' }]);
    }
    // Nothing of the rejected requests was written.
    expect(await progressRows(e.enrollmentId)).toEqual([expect.objectContaining({ progress_seconds: 300 })]);
  });

  it('stamps the enrollment’s last access', async () => {
    const e = await enrolled();
    const before = await t.deps.knex('enrollments').where({ id: e.enrollmentId }).first('last_accessed_at');
    expect(before.last_accessed_at).toBeNull();
    await putProgress(e, e.lessons[0].id, { progressSeconds: 5 });
    const after = await t.deps.knex('enrollments').where({ id: e.enrollmentId }).first('last_accessed_at');
    expect(after.last_accessed_at).toBeInstanceOf(Date);
    expect(Date.now() - after.last_accessed_at.getTime()).toBeLessThan(60_000);
  });

  it('completes the enrollment when its last lesson is completed, not before', async () => {
    const e = await enrolled({ lessons: 3 });
    await watchLessons(t, e, 2);
    const partial = await t.deps.knex('enrollments').where({ id: e.enrollmentId }).first('completed_at');
    expect(partial.completed_at).toBeNull();

    await putProgress(e, e.lessons[2].id, { progressSeconds: e.durationSeconds * 0.9 });
    const done = await t.deps.knex('enrollments').where({ id: e.enrollmentId }).first('completed_at');
    expect(done.completed_at).toBeInstanceOf(Date);
  });

  it('completes the enrollment when its lessons are completed concurrently (the last two commits never miss each other)', async () => {
    const students = await Promise.all(Array.from({ length: 6 }, () => enrolled({ lessons: 5 })));
    await Promise.all(
      students.flatMap((e) =>
        e.lessons.map((lesson) => putProgress(e, lesson.id, { progressSeconds: e.durationSeconds }).expect(200)),
      ),
    );
    const rows = await t.deps
      .knex('enrollments')
      .whereIn(
        'id',
        students.map((e) => e.enrollmentId),
      )
      .select('completed_at');
    expect(rows.map((r) => r.completed_at instanceof Date)).toEqual(students.map(() => true));
  });

  it('counts only lessons whose video is ready: an unready lesson neither blocks completion nor accepts progress (409)', async () => {
    const e = await enrolled({ lessons: 1 });
    const [pending] = await t.deps
      .knex('course_lessons')
      .insert({ course_id: e.course.id, title: 'Coming soon', lesson_order: 2, video_status: 'awaiting_upload' })
      .returning('id');
    expectProblem(await putProgress(e, pending.id, { progressSeconds: 1 }), 409, 'Lesson video is not ready yet');
    await watchLessons(t, e, 1);
    const res = await t.request.get(`/api/enrollments/${e.enrollmentId}/progress`).set(e.student.auth);
    expect(res.body.enrollment.progress).toEqual({ completedLessons: 1, totalLessons: 1, completionPercent: 100 });
    expect(res.body.enrollment.completedAt).toEqual(expect.any(String));
    expect(res.body.lessons.map((l: { available: boolean }) => l.available)).toEqual([true, false]);
  });

  it('lets only the enrollment’s own student write: others 403, unknown 404, a lesson of another course 404', async () => {
    const e = await enrolled();
    const other = await enrolled();
    expectProblem(
      await putProgress(e, e.lessons[0].id, { progressSeconds: 1 }, other.student.auth),
      403,
      'Access denied - not enrolled',
    );
    const instructor = await t.request
      .put(`/api/enrollments/${e.enrollmentId}/progress/${e.lessons[0].id}`)
      .set(e.instructor.auth)
      .send({ progressSeconds: 1 });
    expectProblem(instructor, 403, 'Access denied - not enrolled');
    const admin = await createUser(t.deps.knex, t.deps.config, 'admin');
    expectProblem(
      await putProgress(e, e.lessons[0].id, { progressSeconds: 1 }, admin.auth),
      403,
      'Access denied - not enrolled',
    );

    const unknown = await t.request
      .put(`/api/enrollments/${randomUUID()}/progress/${e.lessons[0].id}`)
      .set(e.student.auth)
      .send({ progressSeconds: 1 });
    expectProblem(unknown, 404, 'Enrollment not found');
    expectProblem(
      await putProgress(e, other.lessons[0].id, { progressSeconds: 1 }),
      404,
      'Lesson not found in this course',
    );

    const anonymous = await t.request
      .put(`/api/enrollments/${e.enrollmentId}/progress/${e.lessons[0].id}`)
      .send({ progressSeconds: 1 });
    expect(anonymous.status).toBe(401);
    const badId = await t.request
      .put(`/api/enrollments/not-a-uuid/progress/${e.lessons[0].id}`)
      .set(e.student.auth)
      .send({ progressSeconds: 1 });
    expect(badId.status).toBe(400);
    expect(await progressRows(e.enrollmentId)).toHaveLength(0);
  });

  it('refuses a revoked (refunded) enrollment with 403', async () => {
    const e = await enrolled();
    await putProgress(e, e.lessons[0].id, { progressSeconds: 30 }).expect(200);
    await revoke(t.deps.knex, e.enrollmentId);
    expectProblem(
      await putProgress(e, e.lessons[0].id, { progressSeconds: 60 }),
      403,
      'Access denied - enrollment revoked',
    );
    const progress = await t.request.get(`/api/enrollments/${e.enrollmentId}/progress`).set(e.student.auth);
    expectProblem(progress, 403, 'Access denied - enrollment revoked');
    expect(await progressRows(e.enrollmentId)).toEqual([expect.objectContaining({ progress_seconds: 30 })]);
  });
});

describe('GET /api/enrollments/:id/progress', () => {
  it('lists every lesson in order with its progress, and the course’s completion', async () => {
    const e = await enrolled({ lessons: 4, durationSeconds: 200 });
    await putProgress(e, e.lessons[0].id, { progressSeconds: 200 }).expect(200);
    await putProgress(e, e.lessons[1].id, { progressSeconds: 50 }).expect(200);

    const res = await t.request.get(`/api/enrollments/${e.enrollmentId}/progress`).set(e.student.auth);
    expect(res.status).toBe(200);
    expect(res.body.enrollment).toMatchObject({
      id: e.enrollmentId,
      status: 'active',
      progress: { completedLessons: 1, totalLessons: 4, completionPercent: 25 },
      completedAt: null,
      certificateEligible: false,
      certificateId: null,
      lastAccessedAt: expect.any(String),
    });
    expect(res.body.lessons).toEqual([
      expect.objectContaining({
        lessonId: e.lessons[0].id,
        lessonOrder: 1,
        durationSeconds: 200,
        progressSeconds: 200,
        watchedPercent: 100,
        completed: true,
        lastWatchedAt: expect.any(String),
      }),
      expect.objectContaining({
        lessonId: e.lessons[1].id,
        lessonOrder: 2,
        progressSeconds: 50,
        watchedPercent: 25,
        completed: false,
      }),
      expect.objectContaining({
        lessonId: e.lessons[2].id,
        lessonOrder: 3,
        progressSeconds: 0,
        watchedPercent: 0,
        completed: false,
        lastWatchedAt: null,
      }),
      expect.objectContaining({ lessonId: e.lessons[3].id, lessonOrder: 4, progressSeconds: 0, completed: false }),
    ]);
  });

  it('is the owner’s only: another student 403, unknown 404', async () => {
    const e = await enrolled();
    const other = await enrolled();
    expectProblem(
      await t.request.get(`/api/enrollments/${e.enrollmentId}/progress`).set(other.student.auth),
      403,
      'Access denied - not enrolled',
    );
    expectProblem(
      await t.request.get(`/api/enrollments/${randomUUID()}/progress`).set(e.student.auth),
      404,
      'Enrollment not found',
    );
  });
});

describe('GET /api/enrollments (my learning)', () => {
  it('lists the student’s own courses with progress % and last access, most recently watched first', async () => {
    const first = await enrolled({ lessons: 4, courseTitle: 'Watched long ago' });
    const student = first.student;
    // Two more courses for the same student.
    const second = await enrolled({ lessons: 2, courseTitle: 'Watched just now' });
    const third = await enrolled({ lessons: 5, courseTitle: 'Never opened' });
    for (const other of [second, third]) {
      await t.deps.knex('enrollments').where({ id: other.enrollmentId }).update({ student_id: student.id });
      other.student = student;
    }
    await watchLessons(t, first, 1);
    await watchLessons(t, second, 1);

    const res = await t.request.get('/api/enrollments').set(student.auth);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ page: 1, limit: 20, total: 3 });
    expect(res.body.items.map((i: { course: { title: string } }) => i.course.title)).toEqual([
      'Watched just now',
      'Watched long ago',
      'Never opened',
    ]);
    expect(res.body.items[0]).toMatchObject({
      id: second.enrollmentId,
      status: 'active',
      lastAccessedAt: expect.any(String),
      progress: { completedLessons: 1, totalLessons: 2, completionPercent: 50 },
      course: { id: second.course.id, instructor: { id: second.instructor.id, name: 'Test instructor' } },
    });
    expect(res.body.items[1].progress).toEqual({ completedLessons: 1, totalLessons: 4, completionPercent: 25 });
    expect(res.body.items[2]).toMatchObject({
      lastAccessedAt: null,
      progress: { completedLessons: 0, totalLessons: 5, completionPercent: 0 },
    });

    const paged = await t.request.get('/api/enrollments?limit=2&page=2').set(student.auth);
    expect(paged.body).toMatchObject({ page: 2, limit: 2, total: 3 });
    expect(paged.body.items.map((i: { id: string }) => i.id)).toEqual([third.enrollmentId]);
  });

  it('leaves revoked enrollments out unless asked for, and never shows another student’s', async () => {
    const kept = await enrolled();
    const refunded = await enrolled();
    await t.deps.knex('enrollments').where({ id: refunded.enrollmentId }).update({ student_id: kept.student.id });
    await revoke(t.deps.knex, refunded.enrollmentId);

    const ids = async (query: string) =>
      (await t.request.get(`/api/enrollments${query}`).set(kept.student.auth)).body.items.map(
        (i: { id: string }) => i.id,
      );
    expect(await ids('')).toEqual([kept.enrollmentId]);
    expect(await ids('?status=revoked')).toEqual([refunded.enrollmentId]);
    expect((await ids('?status=all')).sort()).toEqual([kept.enrollmentId, refunded.enrollmentId].sort());

    const stranger = await createUser(t.deps.knex, t.deps.config, 'student');
    expect((await t.request.get('/api/enrollments').set(stranger.auth)).body).toMatchObject({ items: [], total: 0 });
    expect((await t.request.get('/api/enrollments')).status).toBe(401);
    expect((await t.request.get('/api/enrollments?status=paused').set(stranger.auth)).status).toBe(400);
  });

  it('drops a lesson added later into the denominator: progress is of the lessons there are now', async () => {
    const e = await enrolled({ lessons: 2 });
    await watchLessons(t, e, 2);
    await t.deps.knex('course_lessons').insert({
      course_id: e.course.id,
      title: 'Bonus',
      lesson_order: 3,
      video_status: 'ready',
      video_key: `courses/${e.course.id}/videos/bonus.mp4`,
      video_duration_seconds: 60,
    });
    const [item] = (await t.request.get('/api/enrollments').set(e.student.auth)).body.items;
    expect(item.progress).toEqual({ completedLessons: 2, totalLessons: 3, completionPercent: 66 });
    // Completion is a fact of the past: it stays.
    expect(item.completedAt).toEqual(expect.any(String));
  });
});
