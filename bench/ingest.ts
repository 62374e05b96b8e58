// Over 350 lines on purpose: a self-contained benchmark script (inputs, runs, report) meant to be read in one place.
/**
 * `npm run bench:ingest [-- --quick] [--seconds 60] [--runs 2] [--upload-mb 1024]`
 *
 * 1. The video ingest workflow on a generated 720p video (default 60 s), from the workflow's start to its
 *    close, next to the same ffprobe/ffmpeg commands run bare on the same input in the same run: the ratio is
 *    what orchestration, uploads and bookkeeping cost on top of the media work. Runs alternate; the minimum
 *    of each is reported (the least disturbed sample on a shared machine).
 * 2. The API process's resident memory while it streams a 1 GB lesson upload to S3: peak growth over its
 *    resident size before the upload (goal: under 100 MB — the body is never held whole).
 *
 * Runs on an ephemeral system (the services named by the environment, or private ones), with the API as a
 * separate process so that its memory is its own. The last line is the JSON of DESIGN §8.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import type { temporal } from '@temporalio/proto';
import { loadConfig } from '../src/config';
import { closeDeps, connectTemporal, createDeps } from '../src/deps';
import { renditionsFor, thumbnailAtSeconds } from '../src/domain/video';
import { interpretProbe, planRenditions, probeArgs, run, thumbnailArgs, transcodeArgs } from '../src/media/ffmpeg';
import { startEphemeralSystem } from '../src/stack/ephemeral';
import { spawnEntry, stopProcess } from '../src/stack/processes';
import { freePort } from '../src/stack/services';
import { ffmpegPaths } from '../src/media/ffmpeg-binaries';
import { presignedGetUrl } from '../src/storage/video-objects';
import { ingestWorkflowId } from '../src/temporal/contracts/ingest';
import { argNumber, printResult, printTable, timed } from './lib';

const log = (line: string): void => void process.stderr.write(`[bench:ingest] ${line}\n`);
const MiB = 1024 * 1024;

async function main(): Promise<void> {
  const seconds = argNumber('seconds', 60, 10);
  const runs = argNumber('runs', 3, 1);
  const uploadMb = argNumber('upload-mb', 1024, 256);

  const system = await startEphemeralSystem(process.env, log, { RATE_LIMITS_ENABLED: 'false', LOG_LEVEL: 'warn' });
  const config = loadConfig(system.env);
  const deps = { ...createDeps(config, 'bench'), temporal: await connectTemporal(config) };
  const port = await freePort();
  const apiLog = path.join(system.dataDir, 'logs', 'api.log');
  const api = spawnEntry('api.ts', [], { ...system.env, PORT: String(port) }, apiLog);
  const base = `http://127.0.0.1:${port}`;
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'edustream-bench-ingest-'));
  try {
    await waitForHttp(`${base}/healthz`, api.pid);
    const auth = await signUpInstructor(base);
    const courseId = await createCourse(base, auth);

    log(`generating a ${seconds} s 1280x720 video…`);
    const video = path.join(work, 'source.mp4');
    await promisify(execFile)(ffmpegPaths().ffmpeg, [
      '-hide_banner',
      '-v',
      'error',
      '-y',
      '-f',
      'lavfi',
      '-i',
      `testsrc2=size=1280x720:rate=30:duration=${seconds}`,
      '-f',
      'lavfi',
      '-i',
      `sine=frequency=440:duration=${seconds}`,
      '-c:v',
      'libx264',
      '-preset',
      'ultrafast',
      '-pix_fmt',
      'yuv420p',
      '-c:a',
      'aac',
      '-shortest',
      video,
    ]);

    // --- 1. the ingest workflow next to the bare ffmpeg commands ------------------------------------
    const workflowMs: number[] = [];
    const bareMs: number[] = [];
    let stages: Record<string, number> = {};
    for (let i = 0; i < runs; i++) {
      log(`run ${i + 1}/${runs}: ingest workflow…`);
      const lessonId = await uploadFile(base, auth, courseId, video, `Run ${i + 1}`);
      const ingest = await waitForWorkflow(deps.temporal, lessonId);
      workflowMs.push(ingest.ms);
      stages = ingest.stages;
      const { video_key: key } = await deps.knex('course_lessons').where({ id: lessonId }).first('video_key');
      log(`run ${i + 1}/${runs}: the same ffmpeg commands, bare…`);
      bareMs.push(
        await bareFfmpeg(
          await presignedGetUrl({ s3: deps.s3, name: config.S3_BUCKET }, key),
          path.join(work, `bare-${i}`),
        ),
      );
      await deleteLesson(base, auth, courseId, lessonId, deps.temporal);
    }
    const value = Math.min(...workflowMs);
    const baseline = Math.min(...bareMs);

    // --- 2. API memory while streaming a large upload ------------------------------------------------
    log(`streaming a ${uploadMb} MB upload through the API…`);
    const warmUp = await uploadFile(base, auth, courseId, video, 'Warm-up'); // code paths loaded, pools warm
    await deleteLesson(base, auth, courseId, warmUp, deps.temporal);
    await new Promise((r) => setTimeout(r, 1000));
    const memory = await measureUploadMemory(api.pid!, uploadMb, () =>
      uploadSynthetic(base, auth, courseId, video, uploadMb * MiB),
    );
    await deleteLesson(base, auth, courseId, memory.value, deps.temporal);

    const r1 = (n: number) => Math.round(n * 10) / 10;
    printTable([
      {
        measure: 'video',
        value: `${seconds} s 1280x720 30 fps H.264/AAC, renditions ${renditionsFor(1280, 720)
          .map((r) => `${r.lines}p`)
          .join(' ')}`,
      },
      {
        measure: `ingest workflow, start → close (min of ${runs})`,
        value: `${Math.round(value)} ms  [${workflowMs.map(Math.round).join(', ')}]`,
      },
      {
        measure: `bare ffprobe + thumbnail + transcode (min of ${runs})`,
        value: `${Math.round(baseline)} ms  [${bareMs.map(Math.round).join(', ')}]`,
      },
      { measure: 'ratio', value: (value / baseline).toFixed(2) },
      ...Object.entries(stages).map(([name, ms]) => ({
        measure: `  activity ${name} (last run)`,
        value: `${Math.round(ms)} ms`,
      })),
      { measure: `upload ${uploadMb} MB through the API`, value: `${r1(memory.mbPerSecond)} MB/s` },
      { measure: 'API RSS before / peak', value: `${r1(memory.beforeMb)} MB / ${r1(memory.peakMb)} MB` },
      { measure: 'API RSS growth (goal < 100 MB)', value: `${r1(memory.growthMb)} MB` },
    ]);
    printResult({
      bench: 'ingest',
      metric: 'ingest_ms',
      value: Math.round(value),
      baseline: Math.round(baseline),
      goal: '<=1.25',
      extra: {
        video_seconds: seconds,
        workflow_runs_ms: workflowMs.map(Math.round),
        bare_runs_ms: bareMs.map(Math.round),
        activities_ms: Object.fromEntries(Object.entries(stages).map(([k, v]) => [k, Math.round(v)])),
        upload_mb: uploadMb,
        upload_mb_per_s: r1(memory.mbPerSecond),
        rss_before_mb: r1(memory.beforeMb),
        rss_growth_mb: r1(memory.growthMb),
        rss_goal: '<100',
      },
    });
  } finally {
    await stopProcess(api, 10_000);
    await closeDeps(deps);
    await system.stop();
    fs.rmSync(work, { recursive: true, force: true });
  }
}

async function waitForHttp(url: string, pid: number | undefined): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    if ((await fetch(url).catch(() => undefined))?.ok) return;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`API (pid ${pid}) did not answer ${url}`);
}

async function json(res: Response): Promise<Record<string, unknown>> {
  const body = (await res.json()) as Record<string, unknown>;
  if (!res.ok) throw new Error(`${res.url} answered ${res.status}: ${JSON.stringify(body)}`);
  return body;
}

async function signUpInstructor(base: string): Promise<string> {
  const res = await fetch(`${base}/api/auth/register`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({
      email: `bench-${Date.now()}@example.test`,
      password: 'bench password 123',
      name: 'Bench',
      role: 'instructor',
    }),
  });
  return `Bearer ${(await json(res)).token as string}`;
}

async function createCourse(base: string, auth: string): Promise<string> {
  const res = await fetch(`${base}/api/courses`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Authorization: auth },
    body: JSON.stringify({
      title: 'Benchmark course',
      description: 'Ingest benchmark',
      category: 'other',
      difficultyLevel: 'beginner',
      pricingModel: 'one_time',
      priceCents: 1900,
    }),
  });
  return (await json(res)).id as string;
}

async function uploadFile(base: string, auth: string, courseId: string, file: string, title: string): Promise<string> {
  const form = new FormData();
  form.set('title', title);
  form.set('video', new Blob([fs.readFileSync(file)], { type: 'video/mp4' }), 'video.mp4');
  const res = await fetch(`${base}/api/courses/${courseId}/lessons`, {
    method: 'POST',
    headers: { Authorization: auth },
    body: form,
  });
  return (await json(res)).id as string;
}

/** Deletes the lesson (and its objects) and waits until its ingest has ended, so nothing competes with the next measurement. */
async function deleteLesson(
  base: string,
  auth: string,
  courseId: string,
  lessonId: string,
  client: Awaited<ReturnType<typeof connectTemporal>>,
): Promise<void> {
  const res = await fetch(`${base}/api/courses/${courseId}/lessons/${lessonId}`, {
    method: 'DELETE',
    headers: { Authorization: auth },
  });
  if (res.status !== 204) throw new Error(`deleting lesson ${lessonId} answered ${res.status}`);
  await client.workflow
    .getHandle(ingestWorkflowId(lessonId))
    .result()
    .catch(() => undefined);
}

/** The ingest's duration from its own start and close times, and each activity's from schedule to completion. */
async function waitForWorkflow(client: Awaited<ReturnType<typeof connectTemporal>>, lessonId: string) {
  const handle = client.workflow.getHandle(ingestWorkflowId(lessonId));
  const result = (await handle.result()) as { stage: string };
  if (result.stage !== 'ready') throw new Error(`ingest ended ${JSON.stringify(result)}`);
  const { startTime, closeTime } = await handle.describe();
  const events = (await handle.fetchHistory()).events ?? [];
  const at = (e: temporal.api.history.v1.IHistoryEvent) =>
    Number(e.eventTime?.seconds ?? 0) * 1000 + (e.eventTime?.nanos ?? 0) / 1e6;
  const scheduled = new Map<string, { name: string; at: number }>();
  const stages: Record<string, number> = {};
  for (const e of events) {
    const s = e.activityTaskScheduledEventAttributes;
    if (s) scheduled.set(String(e.eventId), { name: s.activityType?.name ?? '?', at: at(e) });
    const done = e.activityTaskCompletedEventAttributes;
    const begun = done && scheduled.get(String(done.scheduledEventId));
    if (begun && ['probeVideo', 'createThumbnail', 'transcodeRenditions', 'completeIngest'].includes(begun.name))
      stages[begun.name] = at(e) - begun.at;
  }
  return { ms: (closeTime?.getTime() ?? Date.now()) - startTime.getTime(), stages };
}

/** The ingest's three ffmpeg steps, as the activities run them, without Temporal, S3 uploads or the database. */
async function bareFfmpeg(url: string, dir: string): Promise<number> {
  fs.mkdirSync(dir, { recursive: true });
  const { ffmpeg, ffprobe } = ffmpegPaths();
  const { ms } = await timed(async () => {
    const probe = interpretProbe(await run(ffprobe, probeArgs(url)));
    if ('unreadable' in probe) throw new Error(probe.unreadable);
    await run(ffmpeg, thumbnailArgs(url, thumbnailAtSeconds(probe.durationSeconds), path.join(dir, 'thumbnail.jpg')));
    const planned = planRenditions(probe, renditionsFor(probe.width, probe.height));
    await run(ffmpeg, transcodeArgs(url, planned, dir, { hasAudio: probe.hasAudio }), { onProgress: () => undefined });
  });
  fs.rmSync(dir, { recursive: true, force: true });
  return ms;
}

/** Streams a multipart upload of `bytes` (an MP4 header, then filler) generated on the fly: nothing is held here either. */
async function uploadSynthetic(
  base: string,
  auth: string,
  courseId: string,
  sample: string,
  bytes: number,
): Promise<string> {
  const boundary = `----bench${Date.now()}`;
  const head = Buffer.from(
    `--${boundary}\r\nContent-Disposition: form-data; name="title"\r\n\r\nLarge upload\r\n` +
      `--${boundary}\r\nContent-Disposition: form-data; name="video"; filename="large.mp4"\r\nContent-Type: video/mp4\r\n\r\n`,
  );
  const tail = Buffer.from(`\r\n--${boundary}--\r\n`);
  const mp4Header = fs.readFileSync(sample).subarray(0, 4096);
  const chunk = Buffer.alloc(MiB, 7);
  const url = new URL(`${base}/api/courses/${courseId}/lessons`);
  return new Promise((resolve, reject) => {
    const req = http.request(url, {
      method: 'POST',
      headers: {
        Authorization: auth,
        'Content-Type': `multipart/form-data; boundary=${boundary}`,
        'Content-Length': String(head.length + bytes + tail.length),
      },
    });
    req.on('response', (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (d: string) => (body += d));
      res.on('end', () =>
        res.statusCode === 201
          ? resolve((JSON.parse(body) as { id: string }).id)
          : reject(new Error(`upload answered ${res.statusCode}: ${body}`)),
      );
    });
    req.on('error', reject);
    const write = async () => {
      const send = (b: Buffer) =>
        req.write(b) ? Promise.resolve() : new Promise<void>((r) => req.once('drain', () => r()));
      await send(head);
      await send(mp4Header);
      for (let sent = mp4Header.length; sent < bytes; sent += chunk.length)
        await send(chunk.subarray(0, Math.min(chunk.length, bytes - sent)));
      req.end(tail);
    };
    write().catch(reject);
  });
}

function residentMb(pid: number): { rss: number; hwm: number } {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN);
  return { rss: kb('VmRSS') / 1024, hwm: kb('VmHWM') / 1024 };
}

/** Peak resident size of the API process during `upload` (sampled, and its kernel high-water mark if that rose). */
async function measureUploadMemory(pid: number, uploadMb: number, upload: () => Promise<string>) {
  const before = residentMb(pid);
  let peak = before.rss;
  const sampler = setInterval(() => (peak = Math.max(peak, residentMb(pid).rss)), 50);
  const { ms, value } = await timed(upload);
  clearInterval(sampler);
  const after = residentMb(pid);
  if (after.hwm > before.hwm) peak = Math.max(peak, after.hwm);
  return {
    value,
    beforeMb: before.rss,
    peakMb: peak,
    growthMb: peak - before.rss,
    mbPerSecond: uploadMb / (ms / 1000),
  };
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
