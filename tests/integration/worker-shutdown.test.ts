import type { ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { spawnEntry } from '../../src/stack/processes';
import { startTestApi, type TestApi } from '../support/api';
import { createCourse, createUser } from '../support/fixtures';
import { makeVideo, uploadLesson, waitForIngest, type LessonBody } from '../support/videos';

jest.setTimeout(240_000);

/**
 * SIGTERM to a media worker (the real entry point) while it transcodes: with SHUTDOWN_GRACE_MEDIA the running
 * ffmpeg job finishes and is reported before the process exits. No other media worker serves these task queues
 * (a prefix of their own), so a ready lesson can only come from the worker that was told to stop.
 */
describe('graceful worker shutdown', () => {
  const prefix = `shutdown-${randomUUID().slice(0, 8)}-`;
  const env = { ...process.env, TASK_QUEUE_PREFIX: prefix, WRITE_SCHEDULES: 'false', LOG_LEVEL: 'warn' };
  let api: TestApi;
  let core: ChildProcess;
  let media: ChildProcess;
  beforeAll(async () => {
    core = spawnEntry('worker.ts', ['--pools', 'core,payments'], env);
    media = spawnEntry('worker.ts', ['--pools', 'media'], { ...env, SHUTDOWN_GRACE_MEDIA: '3m' });
    api = await startTestApi({ env: { TASK_QUEUE_PREFIX: prefix } });
  });
  afterAll(async () => {
    for (const child of [core, media]) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await api.close();
  });

  it('lets a transcode that is running at SIGTERM finish before the worker exits', async () => {
    const instructor = await createUser(api.deps.knex, api.deps.config, 'instructor');
    const course = await createCourse(api.deps.knex, instructor.id, { status: 'draft' });
    const file = await makeVideo({ seconds: 30, width: 1280, height: 720 });
    const upload = await uploadLesson(api.request, instructor.auth, course.id, file);
    expect(upload.status).toBe(201);
    const lessonId = (upload.body as LessonBody).id;

    let stage: string | undefined;
    for (let i = 0; i < 600 && stage !== 'transcoding'; i++) {
      const res = await api.request.get(`/api/courses/${course.id}/lessons/${lessonId}`).set(instructor.auth);
      stage = (res.body as LessonBody).processing?.stage;
      if (stage !== 'transcoding') await new Promise((r) => setTimeout(r, 200));
    }
    expect(stage).toBe('transcoding');

    const exited = new Promise<number | null>((resolve) => media.once('exit', (code) => resolve(code)));
    media.kill('SIGTERM');
    expect(await exited).toBe(0);
    const lesson = await waitForIngest(api.request, instructor.auth, course.id, lessonId, 120_000);
    expect(lesson.video).toMatchObject({ status: 'ready', failureReason: null });
    expect(lesson.playbackUrl).toEqual(expect.any(String));
  });
});
