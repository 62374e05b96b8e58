/**
 * Spec MKT-007 as a story, through HTTP only (the admin account stands for `npm run create-admin`): an
 * instructor signs up, creates a draft, uploads 5 lesson videos (real files, real ffmpeg), marks 2 of them —
 * 10 minutes in total — as free previews, submits the course, an admin publishes it, and an anonymous visitor
 * sees the published course and can play the previews only.
 */
import { createUser } from '../support/fixtures';
import { startTestApi, uniqueEmail, type TestApi } from '../support/api';
import { makeVideo, uploadLesson, waitForIngest, type LessonBody } from '../support/videos';

jest.setTimeout(180_000);

let api: TestApi;
beforeAll(async () => {
  api = await startTestApi();
});
afterAll(() => api?.close());

it('MKT-007: draft → 5 lessons (2 previews, 10 min) → publish → anonymous visitors play the previews only', async () => {
  const started = Date.now();
  const { request } = api;

  const signup = await request.post('/api/auth/register').send({
    email: uniqueEmail('teacher'),
    password: 'a long enough password',
    name: 'Ada Teacher',
    role: 'instructor',
  });
  expect(signup.status).toBe(201);
  const instructor = { Authorization: `Bearer ${signup.body.token}` };

  const draft = await request.post('/api/courses').set(instructor).send({
    title: 'Video Editing from Scratch',
    description: 'Cut, grade and export your first film.',
    category: 'photography',
    difficultyLevel: 'beginner',
    pricingModel: 'one_time',
    priceCents: 4900,
  });
  expect(draft.status).toBe(201);
  expect(draft.body.status).toBe('draft');
  const courseId = draft.body.id as string;

  // Two five-minute lessons (small and sparse, so the story stays fast) and three short ones.
  const fiveMinutes = await makeVideo({ seconds: 300, width: 160, height: 120, fps: 2 });
  const short = await makeVideo({ seconds: 3 });
  const files = [short, fiveMinutes, short, fiveMinutes, short];
  const lessons: LessonBody[] = [];
  for (const [i, file] of files.entries()) {
    const res = await uploadLesson(request, instructor, courseId, file, { title: `Lesson ${i + 1}` });
    expect(res.status).toBe(201);
    lessons.push(res.body as LessonBody);
    if (i === 1) {
      const tooEarly = await request.post(`/api/courses/${courseId}/publish`).set(instructor);
      expect(tooEarly.status).toBe(400);
      expect(tooEarly.body.detail).toBe('Course must have at least 3 lessons');
    }
  }
  expect(lessons.map((l) => l.lessonOrder)).toEqual([1, 2, 3, 4, 5]);

  for (const lesson of lessons) {
    const done = await waitForIngest(request, instructor, courseId, lesson.id, 120_000);
    expect(done.video).toMatchObject({ status: 'ready', percent: 100 });
  }

  // The instructor picks lessons 2 and 4 as free previews.
  for (const lesson of [lessons[1], lessons[3]]) {
    const res = await request
      .patch(`/api/courses/${courseId}/lessons/${lesson.id}`)
      .set(instructor)
      .send({ isPreview: true });
    expect(res.status).toBe(200);
    expect(res.body.isPreview).toBe(true);
  }
  const configured = await request.get(`/api/courses/${courseId}`).set(instructor);
  const byOrder = configured.body.lessons as LessonBody[];
  expect(byOrder.map((l) => [l.lessonOrder, l.isPreview, l.durationSeconds])).toEqual([
    [1, false, 3],
    [2, true, 300],
    [3, false, 3],
    [4, true, 300],
    [5, false, 3],
  ]);
  const previewSeconds = byOrder.filter((l) => l.isPreview).reduce((sum, l) => sum + (l.durationSeconds ?? 0), 0);
  expect(previewSeconds).toBe(10 * 60);
  expect(configured.body.totalDurationMinutes).toBe(11); // 609 s, rounded up

  const submitted = await request.post(`/api/courses/${courseId}/publish`).set(instructor);
  expect(submitted.status).toBe(200);
  expect(submitted.body.status).toBe('under_review');
  const admin = await createUser(api.deps.knex, api.deps.config, 'admin');
  const published = await request.post(`/api/courses/${courseId}/publish`).set(admin.auth);
  expect(published.status).toBe(200);
  expect(published.body.status).toBe('published');
  expect(published.body.publishedAt).not.toBeNull();

  // An anonymous visitor.
  const page = await request.get(`/api/courses/${courseId}`);
  expect(page.status).toBe(200);
  expect(page.body).toMatchObject({ status: 'published', title: 'Video Editing from Scratch', priceCents: 4900 });
  const visible = page.body.lessons as LessonBody[];
  expect(visible).toHaveLength(5);
  for (const lesson of visible) {
    expect(lesson.thumbnailUrl).toEqual(expect.any(String));
    if (lesson.isPreview) expect(lesson).toMatchObject({ locked: false, playbackUrl: expect.any(String) });
    else expect(lesson).toMatchObject({ locked: true, playbackUrl: null });
  }

  const previewPlayback = await request.get(`/api/courses/${courseId}/lessons/${lessons[1].id}/playback`);
  expect(previewPlayback.status).toBe(200);
  const video = Buffer.from(await (await fetch(previewPlayback.body.url)).arrayBuffer());
  expect(video.subarray(4, 8).toString('latin1')).toBe('ftyp'); // an MP4 the browser can play
  const paidPlayback = await request.get(`/api/courses/${courseId}/lessons/${lessons[0].id}/playback`);
  expect(paidPlayback.status).toBe(403);

  console.log(`MKT-007 story took ${((Date.now() - started) / 1000).toFixed(1)} s`);
});
