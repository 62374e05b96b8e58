/**
 * Lesson videos through HTTP against the real S3 server, Temporal, the worker's media pool and ffmpeg:
 * both upload paths, the ingest to `ready` (duration, thumbnail, renditions), refused and unreadable files,
 * deleting a lesson while its video is processed, reordering.
 */
import fs from 'node:fs';
import http from 'node:http';
import { DeleteObjectCommand, GetObjectCommand } from '@aws-sdk/client-s3';
import { createCourse, createUser, type FixtureUser } from '../support/fixtures';
import { startTestApi, type TestApi } from '../support/api';
import {
  keysUnder,
  makeCorruptMp4,
  makeVideo,
  objectExists,
  uploadLesson,
  waitForIngest,
  type LessonBody,
} from '../support/videos';
import { ingestWorkflowId } from '../../src/temporal/contracts/ingest';
import { behindMp4Boxes, hostileFiles, startListener, type Listener } from '../support/hostile-media';

const UNREADABLE_VIDEO = 'The file is not a readable video: it is damaged, or not really an MP4/MOV file';

jest.setTimeout(120_000);

let api: TestApi;
let instructor: FixtureUser;
let bucket: string;

beforeAll(async () => {
  api = await startTestApi();
  instructor = await createUser(api.deps.knex, api.deps.config, 'instructor');
  bucket = api.deps.config.S3_BUCKET;
});
afterAll(async () => {
  // Leave no ingest running for the worker that the global teardown stops.
  const lessons = await api.deps
    .knex('course_lessons as l')
    .join('courses as c', 'c.id', 'l.course_id')
    .where('c.instructor_id', instructor.id)
    .pluck('l.id');
  await Promise.all(
    lessons.map((id: string) =>
      api.deps.temporal.workflow
        .getHandle(ingestWorkflowId(id))
        .result()
        .catch(() => undefined),
    ),
  );
  await api.close();
});

const draftCourse = () => createCourse(api.deps.knex, instructor.id, { status: 'draft' });

/** The ingest's "current details" as the Temporal UI shows them (the SDK's built-in metadata query). */
async function currentDetails(lessonId: string): Promise<string | undefined> {
  const handle = api.deps.temporal.workflow.getHandle(ingestWorkflowId(lessonId));
  return (await handle.query<{ currentDetails?: string }>('__temporal_workflow_metadata')).currentDetails;
}

async function readObject(key: string): Promise<Buffer> {
  const res = await api.deps.s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  return Buffer.from(await res.Body!.transformToByteArray());
}

describe('streamed upload (POST /api/courses/:id/lessons)', () => {
  it('stores the video, ingests it to ready with its duration, thumbnail and renditions, and adds it to the course duration', async () => {
    const course = await draftCourse();
    const file = await makeVideo({ seconds: 4, width: 640, height: 360 });
    const res = await uploadLesson(api.request, instructor.auth, course.id, file, { title: 'Intro', isPreview: true });
    expect(res.status).toBe(201);
    const created = res.body as LessonBody;
    expect(created).toMatchObject({
      courseId: course.id,
      lessonOrder: 1,
      isPreview: true,
      video: { status: 'processing' },
    });

    const row = await api.deps.knex('course_lessons').where({ id: created.id }).first();
    expect(row.video_key).toMatch(new RegExp(`^courses/${course.id}/videos/[0-9a-f-]{36}\\.mp4$`));
    expect(row.video_size_bytes).toBe(fs.statSync(file).size);
    expect((await readObject(row.video_key)).equals(fs.readFileSync(file))).toBe(true);

    const lesson = await waitForIngest(api.request, instructor.auth, course.id, created.id);
    expect(lesson.video).toEqual({ status: 'ready', percent: 100, failureReason: null });
    expect(lesson.durationSeconds).toBe(4);

    const done = await api.deps.knex('course_lessons').where({ id: created.id }).first();
    expect(done.thumbnail_key).toBe(done.video_key.replace('/videos/', '/thumbnails/').replace(/\.mp4$/, '.jpg'));
    const thumbnail = await readObject(done.thumbnail_key);
    expect(thumbnail.subarray(0, 3).equals(Buffer.from([0xff, 0xd8, 0xff]))).toBe(true); // a JPEG
    // A 360-line source gets exactly the 360p rung, as HLS (playlist + fragmented MP4) under a master playlist.
    expect(done.renditions).toEqual([expect.objectContaining({ height: 360, width: 640 })]);
    const master = (await readObject(done.stream_manifest_key)).toString('utf8');
    expect(master).toMatch(/#EXT-X-STREAM-INF:BANDWIDTH=\d+,AVERAGE-BANDWIDTH=\d+,RESOLUTION=640x360\n360p\.m3u8/);
    const media = (await readObject(done.renditions[0].playlist_key)).toString('utf8');
    expect(media).toContain('#EXT-X-MAP:URI="360p.mp4"');
    expect(await objectExists(api.deps.s3, bucket, done.renditions[0].key)).toBe(true);

    const detail = await api.request.get(`/api/courses/${course.id}`).set(instructor.auth);
    expect(detail.body.totalDurationMinutes).toBe(1);

    const handle = api.deps.temporal.workflow.getHandle(ingestWorkflowId(created.id));
    const ingest = await handle.describe();
    expect(ingest.status.name).toBe('COMPLETED');
    expect(ingest.typedSearchAttributes.getAll().map((p) => [p.key.name, p.value])).toEqual(
      expect.arrayContaining([
        ['EduCourseId', course.id],
        ['EduLessonId', created.id],
        ['EduInstructorId', instructor.id],
      ]),
    );
    // What an operator sees in the Temporal UI: which lesson of which course, and how far it got.
    expect(await ingest.staticSummary()).toBe(`Video ingest of lesson “Intro” in course “${course.title}”`);
    expect(await currentDetails(created.id)).toBe('**ready** · 100%');
  });

  it('accepts MOV and keys it as .mov', async () => {
    const course = await draftCourse();
    const file = await makeVideo({ seconds: 2, container: 'mov' });
    const res = await uploadLesson(api.request, instructor.auth, course.id, file);
    expect(res.status).toBe(201);
    const row = await api.deps.knex('course_lessons').where({ id: res.body.id }).first();
    expect(row.video_key).toMatch(/\.mov$/);
    expect((await waitForIngest(api.request, instructor.auth, course.id, res.body.id)).video.status).toBe('ready');
  });

  it('refuses a file that is not MP4/MOV by its bytes, whatever its name, and stores nothing', async () => {
    const course = await draftCourse();
    const res = await api.request
      .post(`/api/courses/${course.id}/lessons`)
      .set(instructor.auth)
      .field('title', 'Not a video')
      .attach('video', Buffer.from('%PDF-1.7 this is a document, not a video'.repeat(50)), {
        filename: 'lesson.mp4',
        contentType: 'video/mp4',
      });
    expect(res.status).toBe(400);
    expect(res.body.detail).toBe('Only MP4/MOV formats supported');
    expect(await api.deps.knex('course_lessons').where({ course_id: course.id })).toHaveLength(0);
    expect(await keysUnder(api.deps.s3, bucket, `courses/${course.id}/`)).toEqual([]);
  });

  it('answers 413 for a declared size over 5 GB without reading the body', async () => {
    const course = await draftCourse();
    const url = new URL(`${api.url}/api/courses/${course.id}/lessons`);
    const status = await new Promise<number>((resolve, reject) => {
      const req = http.request(url, {
        method: 'POST',
        headers: {
          ...instructor.auth,
          'Content-Type': 'multipart/form-data; boundary=x',
          'Content-Length': String(6 * 1024 ** 3),
        },
      });
      req.on('response', (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on('error', reject);
      req.write('--x\r\n'); // and never the rest
    });
    expect(status).toBe(413);
  });

  it('validates the fields before storing anything, and refuses students and other instructors', async () => {
    const course = await draftCourse();
    const file = await makeVideo({ seconds: 2 });
    const noTitle = await api.request
      .post(`/api/courses/${course.id}/lessons`)
      .set(instructor.auth)
      .attach('video', file);
    expect(noTitle.status).toBe(400);
    expect(noTitle.body.errors).toEqual([expect.objectContaining({ field: 'title' })]);

    const student = await createUser(api.deps.knex, api.deps.config, 'student');
    const byStudent = await uploadLesson(api.request, student.auth, course.id, file);
    expect(byStudent.status).toBe(403);
    const other = await createUser(api.deps.knex, api.deps.config, 'instructor');
    const byOther = await uploadLesson(api.request, other.auth, course.id, file);
    expect(byOther.status).toBe(404); // a draft is not revealed to other instructors
    const json = await api.request.post(`/api/courses/${course.id}/lessons`).set(instructor.auth).send({ title: 'x' });
    expect(json.status).toBe(415);
    expect(await keysUnder(api.deps.s3, bucket, `courses/${course.id}/`)).toEqual([]);
  });

  it('refuses a taken lesson order with 409 and an archived course with 410', async () => {
    const course = await draftCourse();
    const file = await makeVideo({ seconds: 2 });
    expect((await uploadLesson(api.request, instructor.auth, course.id, file, { lessonOrder: 1 })).status).toBe(201);
    const taken = await uploadLesson(api.request, instructor.auth, course.id, file, { lessonOrder: 1 });
    expect(taken.status).toBe(409);
    expect((await uploadLesson(api.request, instructor.auth, course.id, file)).body.lessonOrder).toBe(2);

    await api.request.delete(`/api/courses/${course.id}`).set(instructor.auth).expect(204);
    const archived = await uploadLesson(api.request, instructor.auth, course.id, file);
    expect(archived.status).toBe(410);
    expect(archived.body.detail).toBe('Course is archived');
  });

  it('fails an unreadable video with a reason (not retried), and the workflow completes', async () => {
    const course = await draftCourse();
    const res = await uploadLesson(api.request, instructor.auth, course.id, await makeCorruptMp4());
    expect(res.status).toBe(201);
    const lesson = await waitForIngest(api.request, instructor.auth, course.id, res.body.id);
    expect(lesson.video.status).toBe('failed');
    // A fixed sentence: ffprobe's own words (which name the presigned URL and what the file made it try) stay in the log.
    expect(lesson.video.failureReason).toBe(UNREADABLE_VIDEO);
    const handle = api.deps.temporal.workflow.getHandle(ingestWorkflowId(res.body.id));
    expect(await handle.result()).toMatchObject({ stage: 'failed', failureReason: lesson.video.failureReason });
    expect(await currentDetails(res.body.id)).toBe(`**failed** · ${UNREADABLE_VIDEO}`);
    const history = await handle.fetchHistory();
    const probeAttempts = (history.events ?? [])
      .filter((e) => e.activityTaskStartedEventAttributes)
      .map((e) => e.activityTaskStartedEventAttributes!.attempt);
    expect(probeAttempts.every((attempt) => attempt === 1)).toBe(true);
  });
});

describe('uploads crafted to make ffmpeg open other URLs or files (issue 16)', () => {
  let target: Listener;
  beforeAll(async () => {
    target = await startListener();
  });
  afterAll(() => target.close());

  it('refuses each one at upload with 400, and stores nothing', async () => {
    const course = await draftCourse();
    for (const [name, bytes] of Object.entries(hostileFiles(target.url, '/etc/hostname'))) {
      const res = await api.request
        .post(`/api/courses/${course.id}/lessons`)
        .set(instructor.auth)
        .field('title', name)
        .attach('video', bytes, { filename: 'lesson.mp4', contentType: 'video/mp4' });
      expect({ name, status: res.status, detail: res.body.detail }).toEqual({
        name,
        status: 400,
        detail: 'Only MP4/MOV formats supported',
      });
    }
    expect(await api.deps.knex('course_lessons').where({ course_id: course.id })).toHaveLength(0);
    expect(await keysUnder(api.deps.s3, bucket, `courses/${course.id}/`)).toEqual([]);
    expect(target.requests).toEqual([]);
  });

  it('fails a manifest hidden behind real MP4 boxes with a fixed reason, and the worker fetches nothing', async () => {
    const course = await draftCourse();
    const bytes = behindMp4Boxes(hostileFiles(target.url, '/etc/hostname')['dash-behind-comment']);
    const res = await api.request
      .post(`/api/courses/${course.id}/lessons`)
      .set(instructor.auth)
      .field('title', 'Boxed manifest')
      .attach('video', bytes, { filename: 'lesson.mp4', contentType: 'video/mp4' });
    expect(res.status).toBe(201); // the first boxes are well formed: only reading the file can tell
    const lesson = await waitForIngest(api.request, instructor.auth, course.id, res.body.id);
    expect(lesson.video).toEqual({ status: 'failed', percent: 0, failureReason: UNREADABLE_VIDEO });
    expect(target.requests).toEqual([]);
  });
});

describe('direct upload (presigned multipart)', () => {
  async function createUpload(courseId: string, file: string, contentType = 'video/mp4') {
    const res = await api.request
      .post(`/api/courses/${courseId}/lessons/uploads`)
      .set(instructor.auth)
      .send({ title: 'Direct', contentType, sizeBytes: fs.statSync(file).size });
    expect(res.status).toBe(201);
    return res.body as { lesson: LessonBody; upload: { partSize: number; partCount: number } };
  }

  async function putParts(courseId: string, lessonId: string, file: string, partSize: number) {
    const bytes = fs.readFileSync(file);
    const count = Math.ceil(bytes.length / partSize);
    const urls = await api.request
      .post(`/api/courses/${courseId}/lessons/${lessonId}/upload/parts`)
      .set(instructor.auth)
      .send({ partNumbers: Array.from({ length: count }, (_, i) => i + 1) });
    expect(urls.status).toBe(200);
    const parts = [];
    for (const { partNumber, url } of urls.body.parts as { partNumber: number; url: string }[]) {
      expect(url).toContain('X-Amz-Expires=3600');
      const put = await fetch(url, {
        method: 'PUT',
        body: bytes.subarray((partNumber - 1) * partSize, partNumber * partSize),
      });
      expect(put.status).toBe(200);
      parts.push({ partNumber, etag: put.headers.get('etag') ?? '' });
    }
    return parts;
  }

  it('creates the lesson, hands out part URLs, completes, and ingests to ready; completing twice is harmless', async () => {
    const course = await draftCourse();
    const file = await makeVideo({ seconds: 3 });
    const { lesson, upload } = await createUpload(course.id, file);
    expect(lesson.video.status).toBe('awaiting_upload');
    expect(upload).toEqual({ partSize: 8 * 1024 * 1024, partCount: 1, expiresInSeconds: 3600 });

    const parts = await putParts(course.id, lesson.id, file, upload.partSize);
    const done = await api.request
      .post(`/api/courses/${course.id}/lessons/${lesson.id}/upload/complete`)
      .set(instructor.auth)
      .send({ parts });
    expect(done.status).toBe(200);
    expect(['processing', 'ready']).toContain(done.body.video.status);
    const again = await api.request
      .post(`/api/courses/${course.id}/lessons/${lesson.id}/upload/complete`)
      .set(instructor.auth)
      .send({ parts });
    expect(again.status).toBe(200);

    const ready = await waitForIngest(api.request, instructor.auth, course.id, lesson.id);
    expect(ready.video.status).toBe('ready');
    expect(ready.durationSeconds).toBe(3);
    const row = await api.deps.knex('course_lessons').where({ id: lesson.id }).first();
    expect(row.video_upload_id).toBeNull();
    expect((await readObject(row.video_key)).equals(fs.readFileSync(file))).toBe(true);
    expect(await objectExists(api.deps.s3, bucket, row.thumbnail_key)).toBe(true);
  });

  it('refuses a completed upload that is not a video: 400, object deleted, lesson failed with the reason', async () => {
    const course = await draftCourse();
    const file = `${(await makeVideo({ seconds: 2 })).slice(0, -4)}.txt`;
    fs.writeFileSync(file, 'just some text, definitely not a video file '.repeat(100));
    const { lesson, upload } = await createUpload(course.id, file);
    const parts = await putParts(course.id, lesson.id, file, upload.partSize);
    const done = await api.request
      .post(`/api/courses/${course.id}/lessons/${lesson.id}/upload/complete`)
      .set(instructor.auth)
      .send({ parts });
    expect(done.status).toBe(400);
    expect(done.body.detail).toBe('Only MP4/MOV formats supported');
    const row = await api.deps.knex('course_lessons').where({ id: lesson.id }).first();
    expect(row).toMatchObject({ video_status: 'failed', failure_reason: 'Only MP4/MOV formats supported' });
    expect(await objectExists(api.deps.s3, bucket, row.video_key)).toBe(false);
  });

  it('answers 503 with Retry-After while the storage is unreachable, by either upload', async () => {
    const course = await draftCourse();
    const offline = await startTestApi({ env: { S3_ENDPOINT: 'http://127.0.0.1:1' } });
    try {
      const res = await offline.request
        .post(`/api/courses/${course.id}/lessons/uploads`)
        .set(instructor.auth)
        .send({ title: 'Later', contentType: 'video/mp4', sizeBytes: 1000 });
      expect(res.status).toBe(503);
      expect(res.headers['retry-after']).toBe('5');
      // Streamed through the API, the upload fails with the spec's words (MKT-006).
      const streamed = await uploadLesson(offline.request, instructor.auth, course.id, await makeVideo({ seconds: 1 }));
      expect({
        status: streamed.status,
        detail: streamed.body.detail,
        retryAfter: streamed.headers['retry-after'],
      }).toEqual({
        status: 503,
        detail: 'Video processing failed, retry',
        retryAfter: '5',
      });
      expect(await api.deps.knex('course_lessons').where({ course_id: course.id })).toHaveLength(0);
    } finally {
      await offline.close();
    }
  });

  it('refuses a declared size over 5 GB with 413', async () => {
    const course = await draftCourse();
    const res = await api.request
      .post(`/api/courses/${course.id}/lessons/uploads`)
      .set(instructor.auth)
      .send({ title: 'Huge', contentType: 'video/mp4', sizeBytes: 5 * 1024 ** 3 + 1 });
    expect(res.status).toBe(413);
    expect(res.body.detail).toBe('Video file too large (max 5GB)');
  });
});

describe('cancelling an ingest', () => {
  /** Uploads a video big enough that transcoding (four renditions) takes a while, and waits until ffmpeg is at it. */
  async function lessonInTranscoding(courseId: string): Promise<string> {
    const file = await makeVideo({ seconds: 20, width: 1920, height: 1080, fps: 30 });
    const res = await uploadLesson(api.request, instructor.auth, courseId, file);
    expect(res.status).toBe(201);
    const lessonId = res.body.id as string;
    const deadline = Date.now() + 60_000;
    for (;;) {
      const lesson = await api.request.get(`/api/courses/${courseId}/lessons/${lessonId}`).set(instructor.auth);
      if (lesson.body.processing?.stage === 'transcoding') return lessonId; // the workflow's progress query
      if (lesson.body.video.status !== 'processing' || Date.now() > deadline)
        throw new Error(`not transcoding: ${JSON.stringify(lesson.body)}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  }

  it('by an operator kills ffmpeg, fails the lesson with a reason and removes what was produced', async () => {
    const course = await draftCourse();
    const lessonId = await lessonInTranscoding(course.id);
    expect(await currentDetails(lessonId)).toMatch(/^\*\*transcoding\*\* · \d+%$/);
    const handle = api.deps.temporal.workflow.getHandle(ingestWorkflowId(lessonId));
    await handle.cancel();
    await expect(handle.result()).rejects.toThrow();

    const history = await handle.fetchHistory();
    expect((history.events ?? []).some((e) => e.activityTaskCanceledEventAttributes)).toBe(true); // the activity stopped on cancellation
    const row = await api.deps.knex('course_lessons').where({ id: lessonId }).first();
    expect(row).toMatchObject({ video_status: 'failed', failure_reason: 'Processing was cancelled' });
    expect(await keysUnder(api.deps.s3, bucket, `courses/${course.id}/`)).toEqual([row.video_key]); // the original stays with its lesson
  });

  it('by deleting the lesson cancels the workflow and removes every object', async () => {
    const course = await draftCourse();
    const lessonId = await lessonInTranscoding(course.id);

    await api.request.delete(`/api/courses/${course.id}/lessons/${lessonId}`).set(instructor.auth).expect(204);
    expect(await api.deps.knex('course_lessons').where({ id: lessonId })).toHaveLength(0);

    const handle = api.deps.temporal.workflow.getHandle(ingestWorkflowId(lessonId));
    await expect(handle.result()).rejects.toThrow();
    expect((await handle.describe()).status.name).toBe('CANCELLED');
    expect(await keysUnder(api.deps.s3, bucket, `courses/${course.id}/`)).toEqual([]);
  });
});

describe('retrying a failed ingest (POST …/lessons/:lessonId/video/retry)', () => {
  const retry = (t: TestApi, courseId: string, lessonId: string) =>
    t.request.post(`/api/courses/${courseId}/lessons/${lessonId}/video/retry`).set(instructor.auth);

  it('processes the stored original again, without re-uploading, once the limit it failed is raised', async () => {
    const course = await draftCourse();
    const strict = await startTestApi({ env: { VIDEO_MAX_DURATION: '1s' } });
    let lessonId: string;
    let firstRun: string;
    try {
      const res = await uploadLesson(strict.request, instructor.auth, course.id, await makeVideo({ seconds: 2 }));
      expect(res.status).toBe(201);
      lessonId = res.body.id;
      const failed = await waitForIngest(strict.request, instructor.auth, course.id, lessonId);
      firstRun = (await api.deps.temporal.workflow.getHandle(ingestWorkflowId(lessonId)).describe()).runId;
      expect(failed.video).toMatchObject({
        status: 'failed',
        failureReason: expect.stringMatching(/^The video is 2 s long/),
      });
    } finally {
      await strict.close();
    }
    const original = (await api.deps.knex('course_lessons').where({ id: lessonId }).first()).video_key;
    let again = await retry(api, course.id, lessonId);
    // The failed run may still be writing its outcome: the API says so and when to come back.
    for (let i = 0; again.status === 409 && again.body.detail.includes('still finishing') && i < 20; i++) {
      await new Promise((r) => setTimeout(r, 250));
      again = await retry(api, course.id, lessonId);
    }
    expect(again.status).toBe(200);
    expect(again.body.video).toMatchObject({ status: 'processing', failureReason: null });
    const ready = await waitForIngest(api.request, instructor.auth, course.id, lessonId);
    expect(ready.video.status).toBe('ready');
    expect(ready.durationSeconds).toBe(2);
    const row = await api.deps.knex('course_lessons').where({ id: lessonId }).first();
    expect(row.video_key).toBe(original);
    // A new run under the same id: the UI and the progress query follow the lesson.
    const handle = api.deps.temporal.workflow.getHandle(ingestWorkflowId(lessonId));
    expect(await handle.result()).toEqual({ stage: 'ready', percent: 100 });
    expect((await handle.describe()).runId).not.toBe(firstRun);

    expect((await retry(api, course.id, lessonId)).status).toBe(409); // ready: nothing to retry
  });

  it('refuses when the original is gone (409), and for students and other instructors', async () => {
    const course = await draftCourse();
    const res = await uploadLesson(api.request, instructor.auth, course.id, await makeCorruptMp4());
    const lessonId = res.body.id as string;
    await waitForIngest(api.request, instructor.auth, course.id, lessonId);
    const row = await api.deps.knex('course_lessons').where({ id: lessonId }).first();
    await api.deps.s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: row.video_key }));
    const gone = await retry(api, course.id, lessonId);
    expect({ status: gone.status, detail: gone.body.detail }).toEqual({
      status: 409,
      detail: 'The original video is no longer stored; upload it again',
    });
    const student = await createUser(api.deps.knex, api.deps.config, 'student');
    const stranger = await createUser(api.deps.knex, api.deps.config, 'instructor');
    const statusFor = async (user: FixtureUser) =>
      (await api.request.post(`/api/courses/${course.id}/lessons/${lessonId}/video/retry`).set(user.auth)).status;
    expect(await statusFor(student)).toBe(403); // not an instructor
    expect(await statusFor(stranger)).toBe(404); // someone else's draft course is not visible
  });
});

describe('deleting a lesson', () => {
  it('after its ingest deletes the original and everything derived, and the course duration drops', async () => {
    const course = await draftCourse();
    const res = await uploadLesson(api.request, instructor.auth, course.id, await makeVideo({ seconds: 2 }));
    await waitForIngest(api.request, instructor.auth, course.id, res.body.id);
    expect((await keysUnder(api.deps.s3, bucket, `courses/${course.id}/`)).length).toBeGreaterThanOrEqual(5);
    expect((await api.deps.knex('courses').where({ id: course.id }).first()).total_duration_minutes).toBe(1);

    await api.request.delete(`/api/courses/${course.id}/lessons/${res.body.id}`).set(instructor.auth).expect(204);
    expect(await keysUnder(api.deps.s3, bucket, `courses/${course.id}/`)).toEqual([]);
    expect((await api.deps.knex('courses').where({ id: course.id }).first()).total_duration_minutes).toBe(0);
  });
});

describe('reordering', () => {
  it('swaps positions in one bulk update (deferred unique constraint) and refuses a partial list', async () => {
    const course = await draftCourse();
    const file = await makeVideo({ seconds: 2 });
    const ids: string[] = [];
    for (let i = 0; i < 3; i++)
      ids.push((await uploadLesson(api.request, instructor.auth, course.id, file, { title: `L${i + 1}` })).body.id);

    const reversed = [...ids].reverse();
    const res = await api.request
      .put(`/api/courses/${course.id}/lessons/order`)
      .set(instructor.auth)
      .send({ lessonIds: reversed });
    expect(res.status).toBe(200);
    expect(res.body.lessons.map((l: LessonBody) => [l.id, l.lessonOrder])).toEqual(
      reversed.map((id, i) => [id, i + 1]),
    );

    const partial = await api.request
      .put(`/api/courses/${course.id}/lessons/order`)
      .set(instructor.auth)
      .send({ lessonIds: ids.slice(0, 2) });
    expect(partial.status).toBe(400);
    const twice = await api.request
      .put(`/api/courses/${course.id}/lessons/order`)
      .set(instructor.auth)
      .send({ lessonIds: [ids[0], ids[0], ids[1]] });
    expect(twice.status).toBe(400);
  });
});
