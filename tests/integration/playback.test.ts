/**
 * Who gets a lesson's signed playback URL (spec MKT-004, MKT-033), through HTTP against real Postgres and
 * the S3 server: the access matrix, what the URLs open, and what the course page shows to whom.
 */
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { createCourse, createReadyLessons, createSale, createUser, type FixtureUser } from '../support/fixtures';
import { startTestApi, type TestApi } from '../support/api';

let api: TestApi;
let owner: FixtureUser;
let course: { id: string; priceCents: number };
let preview: { id: string; key: string };
let paid: { id: string; key: string };
const users: Record<string, FixtureUser | undefined> = {};

async function putObject(key: string, body: string): Promise<void> {
  await api.deps.s3.send(
    new PutObjectCommand({ Bucket: api.deps.config.S3_BUCKET, Key: key, Body: body, ServerSideEncryption: 'AES256' }),
  );
}

beforeAll(async () => {
  api = await startTestApi();
  const { knex, config } = api.deps;
  owner = await createUser(knex, config, 'instructor');
  course = await createCourse(knex, owner.id);
  const lessons = await createReadyLessons(knex, course.id, 2, { previews: 1, durationSeconds: 120 });
  const rows = await knex('course_lessons')
    .whereIn(
      'id',
      lessons.map((l) => l.id),
    )
    .orderBy('lesson_order');
  preview = { id: rows[0].id, key: rows[0].video_key };
  paid = { id: rows[1].id, key: rows[1].video_key };
  // The paid lesson has been transcoded: playback serves its best rendition, not the original.
  const rendition = paid.key.replace('/videos/', '/streams/').replace(/\.mp4$/, '/720p.mp4');
  await knex('course_lessons')
    .where({ id: paid.id })
    .update({
      renditions: JSON.stringify([
        { height: 360, width: 640, key: 'unused-360', playlist_key: 'x', bitrate_kbps: 800 },
        { height: 720, width: 1280, key: rendition, playlist_key: 'y', bitrate_kbps: 2800 },
      ]),
    });
  paid.key = rendition;
  await putObject(preview.key, 'preview-video-bytes');
  await putObject(paid.key, 'paid-video-bytes');

  users.student = await createUser(knex, config, 'student');
  users.enrolled = await createUser(knex, config, 'student');
  users.refunded = await createUser(knex, config, 'student');
  users.otherInstructor = await createUser(knex, config, 'instructor');
  users.admin = await createUser(knex, config, 'admin');
  users.owner = owner;
  await createSale(knex, { buyerId: users.enrolled.id, courseId: course.id, grossCents: course.priceCents });
  const refunded = await createSale(knex, {
    buyerId: users.refunded.id,
    courseId: course.id,
    grossCents: course.priceCents,
  });
  await knex('enrollments')
    .where({ id: refunded.enrollmentId })
    .update({ status: 'revoked', revoked_at: knex.fn.now() });
});
afterAll(() => api?.close());

const playback = (lessonId: string, who?: FixtureUser) => {
  const req = api.request.get(`/api/courses/${course.id}/lessons/${lessonId}/playback`);
  return who ? req.set(who.auth) : req;
};

describe('GET /api/courses/:id/lessons/:lessonId/playback', () => {
  it.each([
    ['anonymous', 200, 403],
    ['student', 200, 403],
    ['enrolled', 200, 200],
    ['refunded', 200, 403],
    ['owner', 200, 200],
    ['otherInstructor', 200, 403],
    ['admin', 200, 200],
  ])('%s: preview %i, paid %i', async (who, previewStatus, paidStatus) => {
    const user = users[who];
    expect((await playback(preview.id, user)).status).toBe(previewStatus);
    const res = await playback(paid.id, user);
    expect(res.status).toBe(paidStatus);
    if (paidStatus === 403) expect(res.body.detail).toBe('Enroll in the course to watch this lesson');
  });

  it('signs a URL valid for one hour that opens the video; each call signs afresh', async () => {
    const res = await playback(paid.id, users.enrolled);
    expect(res.body.lessonId).toBe(paid.id);
    const url = new URL(res.body.url as string);
    expect(url.pathname).toBe(`/${api.deps.config.S3_BUCKET}/${paid.key}`);
    expect(url.searchParams.get('X-Amz-Expires')).toBe('3600');
    expect(Math.abs(new Date(res.body.expiresAt).getTime() - (Date.now() + 3600_000))).toBeLessThan(60_000);
    expect(res.body.renditions.map((r: { height: number }) => r.height)).toEqual([360, 720]);
    const video = await fetch(res.body.url);
    expect(video.status).toBe(200);
    expect(await video.text()).toBe('paid-video-bytes');

    await new Promise((r) => setTimeout(r, 1100)); // X-Amz-Date has second resolution
    expect((await playback(paid.id, users.enrolled)).body.url).not.toBe(res.body.url);
  });

  it('answers 409 while the video is not ready, and 404 for a lesson of another course or an unpublished course', async () => {
    const draft = await createCourse(api.deps.knex, owner.id, { status: 'draft' });
    const [lesson] = await createReadyLessons(api.deps.knex, draft.id, 1, { previews: 1 });
    await api.deps.knex('course_lessons').where({ id: lesson.id }).update({ video_status: 'processing' });
    const notReady = await api.request.get(`/api/courses/${draft.id}/lessons/${lesson.id}/playback`).set(owner.auth);
    expect(notReady.status).toBe(409);
    expect((await api.request.get(`/api/courses/${draft.id}/lessons/${lesson.id}/playback`)).status).toBe(404);
    expect(
      (await api.request.get(`/api/courses/${course.id}/lessons/${lesson.id}/playback`).set(owner.auth)).status,
    ).toBe(404);
  });
});

describe('the course page (GET /api/courses/:id)', () => {
  type Lesson = { id: string; locked: boolean; playbackUrl: string | null };
  const lessonsFor = async (who?: FixtureUser): Promise<Record<string, Lesson>> => {
    const req = api.request.get(`/api/courses/${course.id}`);
    const res = await (who ? req.set(who.auth) : req);
    expect(res.status).toBe(200);
    return Object.fromEntries((res.body.lessons as Lesson[]).map((l) => [l.id, l]));
  };

  it('lists paid lessons without a URL for viewers who are not enrolled', async () => {
    for (const who of [undefined, users.student, users.refunded]) {
      const lessons = await lessonsFor(who);
      expect(lessons[preview.id]).toMatchObject({ locked: false, playbackUrl: expect.stringContaining(preview.key) });
      expect(lessons[paid.id]).toMatchObject({ locked: true, playbackUrl: null });
    }
  });

  it('gives enrolled students, the owner and admins every URL', async () => {
    for (const who of [users.enrolled, users.owner, users.admin]) {
      const lessons = await lessonsFor(who);
      expect(lessons[paid.id]).toMatchObject({ locked: false, playbackUrl: expect.stringContaining(paid.key) });
    }
  });
});
