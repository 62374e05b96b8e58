/**
 * Bounded ingest (issue 16) through HTTP, against the real S3 server, Temporal, the worker's media pool and
 * ffmpeg: each limit (VIDEO_MAX_DURATION, VIDEO_MAX_LONG_SIDE/SHORT_SIDE, VIDEO_MAX_FPS,
 * VIDEO_MAX_BITRATE_KBPS) is set low on an API of its own and a video just over it fails with a sentence
 * naming it; VIDEO_INGESTS_PER_INSTRUCTOR refuses uploads with 429; VIDEO_INGEST_ATTEMPTS reaches the media
 * steps' retry policies; direct uploads are held to their declared size and part count.
 */
import fs from 'node:fs';
import { randomUUID } from 'node:crypto';
import { createCourse, createUser, type FixtureUser } from '../support/fixtures';
import { startTestApi, type TestApi } from '../support/api';
import { keysUnder, makeVideo, uploadLesson, waitForIngest } from '../support/videos';
import { ingestWorkflowId } from '../../src/temporal/contracts/ingest';

jest.setTimeout(120_000);

const opened: TestApi[] = [];
let api: TestApi;

beforeAll(async () => {
  api = await startTestApi();
  opened.push(api);
});
afterAll(async () => {
  await Promise.all(opened.map((a) => a.close()));
});

/** An API whose configuration has these limits, an instructor of its own (slots are per instructor) and a draft course. */
async function withLimits(env: Record<string, string>) {
  const limited = await startTestApi({ env });
  opened.push(limited);
  const instructor = await createUser(limited.deps.knex, limited.deps.config, 'instructor');
  const course = await createCourse(limited.deps.knex, instructor.id, { status: 'draft' });
  return { limited, instructor, course };
}

async function ingestOutcome(t: TestApi, instructor: FixtureUser, courseId: string, file: string) {
  const res = await uploadLesson(t.request, instructor.auth, courseId, file);
  expect(res.status).toBe(201);
  const lesson = await waitForIngest(t.request, instructor.auth, courseId, res.body.id);
  return { id: res.body.id as string, ...lesson.video };
}

describe('limits on one video, refused with a reason that names them', () => {
  it('duration (VIDEO_MAX_DURATION)', async () => {
    const { limited, instructor, course } = await withLimits({ VIDEO_MAX_DURATION: '3s' });
    const outcome = await ingestOutcome(limited, instructor, course.id, await makeVideo({ seconds: 4 }));
    expect(outcome).toMatchObject({
      status: 'failed',
      failureReason: 'The video is 4 s long; a lesson video may be at most 3 s long',
    });
    // Refused at the probe: nothing was transcoded.
    expect(await keysUnder(limited.deps.s3, limited.deps.config.S3_BUCKET, `courses/${course.id}/streams/`)).toEqual(
      [],
    );
  });

  it('resolution (VIDEO_MAX_LONG_SIDE / VIDEO_MAX_SHORT_SIDE), in either orientation', async () => {
    const { limited, instructor, course } = await withLimits({
      VIDEO_MAX_LONG_SIDE: '640',
      VIDEO_MAX_SHORT_SIDE: '360',
    });
    expect(
      await ingestOutcome(limited, instructor, course.id, await makeVideo({ seconds: 1, width: 704, height: 396 })),
    ).toMatchObject({
      status: 'failed',
      failureReason: 'The video is 704×396 pixels; a lesson video may be at most 640×360 (or 360×640 upright)',
    });
    const upright = await makeVideo({ seconds: 1, width: 360, height: 640, audio: false });
    expect(await ingestOutcome(limited, instructor, course.id, upright)).toMatchObject({ status: 'ready' });
  });

  it('frame rate (VIDEO_MAX_FPS)', async () => {
    const { limited, instructor, course } = await withLimits({ VIDEO_MAX_FPS: '25' });
    expect(await ingestOutcome(limited, instructor, course.id, await makeVideo({ seconds: 1, fps: 30 }))).toMatchObject(
      { status: 'failed', failureReason: 'The video has 30 frames per second; a lesson video may have at most 25' },
    );
    expect(await ingestOutcome(limited, instructor, course.id, await makeVideo({ seconds: 1, fps: 25 }))).toMatchObject(
      { status: 'ready' },
    );
  });

  it('bit rate (VIDEO_MAX_BITRATE_KBPS)', async () => {
    const { limited, instructor, course } = await withLimits({ VIDEO_MAX_BITRATE_KBPS: '20' });
    const outcome = await ingestOutcome(limited, instructor, course.id, await makeVideo({ seconds: 2 }));
    expect(outcome.status).toBe('failed');
    expect(outcome.failureReason).toMatch(
      /^The video's bit rate is \d+ kbit\/s; a lesson video may have at most 20 kbit\/s \(export it at a lower quality setting\)$/,
    );
  });

  it('each media step is tried VIDEO_INGEST_ATTEMPTS times at most', async () => {
    const { limited, instructor, course } = await withLimits({ VIDEO_INGEST_ATTEMPTS: '2' });
    const { id } = await ingestOutcome(limited, instructor, course.id, await makeVideo({ seconds: 1 }));
    const history = await limited.deps.temporal.workflow.getHandle(ingestWorkflowId(id)).fetchHistory();
    const media = (history.events ?? [])
      .map((e) => e.activityTaskScheduledEventAttributes)
      .filter(
        (a) => a && ['probeVideo', 'createThumbnail', 'transcodeRenditions'].includes(a.activityType?.name ?? ''),
      );
    expect(media.map((a) => [a!.activityType!.name, a!.retryPolicy?.maximumAttempts])).toEqual(
      expect.arrayContaining([
        ['probeVideo', 2],
        ['createThumbnail', 2],
        ['transcodeRenditions', 2],
      ]),
    );
  });
});

describe('videos processed at once per instructor (VIDEO_INGESTS_PER_INSTRUCTOR)', () => {
  it('refuses another upload with 429 while the slots are taken, by either path, and takes it once one frees', async () => {
    const { limited, instructor, course } = await withLimits({ VIDEO_INGESTS_PER_INSTRUCTOR: '1' });
    const other = await createCourse(limited.deps.knex, instructor.id, { status: 'draft' });
    const [busy] = await limited.deps
      .knex('course_lessons')
      .insert({
        course_id: other.id,
        title: 'Being processed',
        lesson_order: 1,
        video_status: 'processing',
        video_key: `courses/${other.id}/videos/${randomUUID()}.mp4`,
      })
      .returning<{ id: string }[]>('id');
    const file = await makeVideo({ seconds: 1 });

    const streamed = await uploadLesson(limited.request, instructor.auth, course.id, file);
    expect({
      status: streamed.status,
      detail: streamed.body.detail,
      retryAfter: streamed.headers['retry-after'],
    }).toEqual({
      status: 429,
      detail:
        'You already have a video being processed, the most at one time; upload this one when one of them is ready',
      retryAfter: '60',
    });
    const direct = await limited.request
      .post(`/api/courses/${course.id}/lessons/uploads`)
      .set(instructor.auth)
      .send({ title: 'Direct', contentType: 'video/mp4', sizeBytes: fs.statSync(file).size });
    expect(direct.status).toBe(429);
    expect(await limited.deps.knex('course_lessons').where({ course_id: course.id })).toHaveLength(0);
    expect(await keysUnder(limited.deps.s3, limited.deps.config.S3_BUCKET, `courses/${course.id}/`)).toEqual([]);

    await limited.deps
      .knex('course_lessons')
      .where({ id: busy.id })
      .update({ video_status: 'failed', failure_reason: 'Processing was cancelled' });
    const next = await uploadLesson(limited.request, instructor.auth, course.id, file);
    expect(next.status).toBe(201);
    expect((await waitForIngest(limited.request, instructor.auth, course.id, next.body.id)).video.status).toBe('ready');
  });

  it('a direct upload completed while the slots are taken waits (429), and completes later without re-uploading', async () => {
    const { limited, instructor, course } = await withLimits({ VIDEO_INGESTS_PER_INSTRUCTOR: '1' });
    const file = await makeVideo({ seconds: 1 });
    const created = await limited.request
      .post(`/api/courses/${course.id}/lessons/uploads`)
      .set(instructor.auth)
      .send({ title: 'Direct', contentType: 'video/mp4', sizeBytes: fs.statSync(file).size });
    expect(created.status).toBe(201);
    const lessonId = created.body.lesson.id as string;
    const parts = await putParts(limited, instructor, course.id, lessonId, fs.readFileSync(file), 1);
    // Meanwhile another video of this instructor took the slot.
    const [busy] = await limited.deps
      .knex('course_lessons')
      .insert({
        course_id: course.id,
        title: 'Being processed',
        lesson_order: 2,
        video_status: 'processing',
        video_key: `courses/${course.id}/videos/${randomUUID()}.mp4`,
      })
      .returning<{ id: string }[]>('id');
    const complete = () =>
      limited.request
        .post(`/api/courses/${course.id}/lessons/${lessonId}/upload/complete`)
        .set(instructor.auth)
        .send({ parts });
    const refused = await complete();
    expect(refused.status).toBe(429);
    expect(refused.headers['retry-after']).toBe('60');
    expect((await limited.deps.knex('course_lessons').where({ id: lessonId }).first()).video_status).toBe(
      'awaiting_upload',
    );
    await limited.deps
      .knex('course_lessons')
      .where({ id: busy.id })
      .update({ video_status: 'failed', failure_reason: 'Processing was cancelled' });
    const done = await complete();
    expect(done.status).toBe(200);
    expect((await waitForIngest(limited.request, instructor.auth, course.id, lessonId)).video.status).toBe('ready');
  });
});

describe('direct uploads are held to what was declared', () => {
  async function create(sizeBytes: number) {
    const instructor = await createUser(api.deps.knex, api.deps.config, 'instructor');
    const course = await createCourse(api.deps.knex, instructor.id, { status: 'draft' });
    const res = await api.request
      .post(`/api/courses/${course.id}/lessons/uploads`)
      .set(instructor.auth)
      .send({ title: 'Direct', contentType: 'video/mp4', sizeBytes });
    expect(res.status).toBe(201);
    return {
      instructor,
      course,
      lessonId: res.body.lesson.id as string,
      partCount: res.body.upload.partCount as number,
    };
  }

  it('refuses part numbers beyond the declared size’s part count (400)', async () => {
    const { instructor, course, lessonId, partCount } = await create(20 * 1024 * 1024);
    expect(partCount).toBe(3);
    const urls = await api.request
      .post(`/api/courses/${course.id}/lessons/${lessonId}/upload/parts`)
      .set(instructor.auth)
      .send({ partNumbers: [1, 2, 3, 4] });
    expect(urls.status).toBe(400);
    expect(urls.body.detail).toBe('Part 4 is beyond this upload: a file of 20971520 bytes has 3 part(s)');
    const complete = await api.request
      .post(`/api/courses/${course.id}/lessons/${lessonId}/upload/complete`)
      .set(instructor.auth)
      .send({ parts: [{ partNumber: 9000, etag: '"x"' }] });
    expect(complete.status).toBe(400);
    expect(complete.body.detail).toMatch(/^Part 9000 is beyond this upload/);
  });

  it('refuses a completed file of another size than declared: 400, object deleted, lesson failed', async () => {
    const bytes = fs.readFileSync(await makeVideo({ seconds: 1 }));
    const { instructor, course, lessonId } = await create(bytes.length + 1000);
    const parts = await putParts(api, instructor, course.id, lessonId, bytes, 1);
    const done = await api.request
      .post(`/api/courses/${course.id}/lessons/${lessonId}/upload/complete`)
      .set(instructor.auth)
      .send({ parts });
    expect(done.status).toBe(400);
    const reason = `The uploaded file is ${bytes.length} bytes, but ${bytes.length + 1000} were declared; upload it again`;
    expect(done.body.detail).toBe(reason);
    expect(await api.deps.knex('course_lessons').where({ id: lessonId }).first()).toMatchObject({
      video_status: 'failed',
      failure_reason: reason,
    });
    expect(await keysUnder(api.deps.s3, api.deps.config.S3_BUCKET, `courses/${course.id}/videos/`)).toEqual([]);
  });
});

async function putParts(
  t: TestApi,
  instructor: FixtureUser,
  courseId: string,
  lessonId: string,
  bytes: Buffer,
  count: number,
): Promise<{ partNumber: number; etag: string }[]> {
  const urls = await t.request
    .post(`/api/courses/${courseId}/lessons/${lessonId}/upload/parts`)
    .set(instructor.auth)
    .send({ partNumbers: Array.from({ length: count }, (_, i) => i + 1) });
  expect(urls.status).toBe(200);
  const size = Math.ceil(bytes.length / count);
  const parts = [];
  for (const { partNumber, url } of urls.body.parts as { partNumber: number; url: string }[]) {
    const put = await fetch(url, { method: 'PUT', body: bytes.subarray((partNumber - 1) * size, partNumber * size) });
    expect(put.status).toBe(200);
    parts.push({ partNumber, etag: put.headers.get('etag') ?? '' });
  }
  return parts;
}
