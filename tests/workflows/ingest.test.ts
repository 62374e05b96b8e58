/**
 * The video ingest's orchestration with fake activities on the Temporal server (the point here is the
 * workflow: progress mirrored to the lesson and queryable, which failures fail the lesson how, clean-up when
 * the lesson disappears, cancellation), and a replay of every history it produced against the current workflow
 * code. `RECORD_HISTORIES=1` writes those histories to tests/workflows/histories/, where the replay test keeps
 * replaying them against future code.
 */
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { Context } from '@temporalio/activity';
import { ApplicationFailure, type WorkflowHandle } from '@temporalio/client';
import type { temporal } from '@temporalio/proto';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { DefaultLogger, Runtime, Worker } from '@temporalio/worker';
import type { createIngestActivities, IngestOutcome } from '../../activities/ingest';
import type { createMediaActivities } from '../../activities/media';
import { ingestPercent, VIDEO_PROCESSING_FAILED_MESSAGE } from '../../src/domain/video';
import {
  INGEST_FILE_FAULTS,
  type IngestInput,
  type IngestProgress,
  ingestProgressQuery,
  ingestStageProgressSignal,
} from '../../src/temporal/contracts/ingest';
import { REPLAY_WORKER_NAME, taskQueue } from '../../src/temporal/shared';
import { PROCESSING_CANCELLED_MESSAGE, type videoIngestWorkflow } from '../../workflows/ingest';
import { historyToJson } from '../support/histories';
import { loadConfig } from '../../src/config';
import { poolOptions } from '../../src/temporal/worker';

jest.setTimeout(120_000);

type Core = ReturnType<typeof createIngestActivities>;
type Media = ReturnType<typeof createMediaActivities>;

const workflowsPath = require.resolve('../../workflows');
const prefix = `wf-ingest-${randomUUID().slice(0, 8)}-`;
let env: TestWorkflowEnvironment;
let workers: Worker[];
let running: Promise<unknown>;
const histories: { name: string; history: temporal.api.history.v1.IHistory }[] = [];
const HISTORIES = path.join(__dirname, 'histories');

/** What the fakes do and what they saw, reset per test. */
let script: {
  lessonExists: boolean;
  lessonKeptAtEnd: boolean;
  probe: () => Promise<Awaited<ReturnType<Media['probeVideo']>>>;
  thumbnail: () => Promise<void>;
  transcode: () => Promise<void>;
};
let calls: { name: string; args: unknown }[];
let releaseTranscode: () => void;

const called = (name: string) => calls.filter((c) => c.name === name).map((c) => c.args);

const core = {
  async beginIngest(ref: { lessonId: string; videoKey: string }) {
    calls.push({ name: 'beginIngest', args: ref });
    return script.lessonExists;
  },
  async recordIngestProgress(args: { percent: number }) {
    calls.push({ name: 'recordIngestProgress', args: args.percent });
  },
  async completeIngest(outcome: IngestOutcome) {
    calls.push({ name: 'completeIngest', args: outcome });
    return script.lessonKeptAtEnd;
  },
  async failIngest(args: { reason: string }) {
    calls.push({ name: 'failIngest', args: args.reason });
    return script.lessonExists;
  },
  async deleteVideoObjects(args: { videoKey: string; keepOriginal: boolean }) {
    calls.push({ name: 'deleteVideoObjects', args });
  },
} satisfies Partial<Core>;

const media = {
  probeVideo: () => script.probe(),
  async createThumbnail(input: { videoKey: string }) {
    await script.thumbnail();
    return { thumbnailKey: input.videoKey.replace('/videos/', '/thumbnails/').replace(/\.mp4$/, '.jpg') };
  },
  async transcodeRenditions(input: { videoKey: string }) {
    await script.transcode();
    return {
      masterPlaylistKey: `${input.videoKey}/master.m3u8`,
      renditions: [{ height: 360, width: 640, key: 'k/360p.mp4', playlist_key: 'k/360p.m3u8', bitrate_kbps: 800 }],
    };
  },
} satisfies Media;

/** A transcode that runs until it is cancelled, heartbeating as the real activity does while ffmpeg works. */
async function heartbeatUntilCancelled(): Promise<void> {
  const context = Context.current();
  calls.push({ name: 'transcodeStarted', args: null });
  for (;;) {
    context.heartbeat();
    if (context.cancellationSignal.aborted) {
      calls.push({ name: 'transcodeCancelled', args: null });
      throw context.cancellationSignal.reason;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

const probeOk = async () => ({
  formatName: 'mp4',
  durationSeconds: 61.6,
  width: 640,
  height: 360,
  videoCodec: 'h264',
  hasAudio: true,
});

beforeAll(async () => {
  Runtime.install({ logger: new DefaultLogger('WARN') });
  env = await TestWorkflowEnvironment.createFromExistingServer({ address: process.env.TEMPORAL_ADDRESS });
  workers = await Promise.all([
    Worker.create({
      connection: env.nativeConnection,
      taskQueue: taskQueue('core', prefix),
      workflowsPath,
      activities: core,
    }),
    // The media pool's own settings: cancellations reach the fakes as fast as they reach ffmpeg.
    Worker.create({
      connection: env.nativeConnection,
      taskQueue: taskQueue('media', prefix),
      activities: media,
      ...poolOptions('media', loadConfig(process.env)),
    }),
  ]);
  running = Promise.all(workers.map((w) => w.run()));
});

afterAll(async () => {
  workers?.forEach((w) => w.shutdown());
  await running;
  await env?.teardown();
});

beforeEach(() => {
  calls = [];
  script = {
    lessonExists: true,
    lessonKeptAtEnd: true,
    probe: probeOk,
    thumbnail: async () => undefined,
    transcode: async () => undefined,
  };
});

async function start(): Promise<WorkflowHandle<typeof videoIngestWorkflow>> {
  const lessonId = randomUUID();
  const input: IngestInput = { lessonId, courseId: randomUUID(), videoKey: `courses/c/videos/${lessonId}.mp4` };
  return env.client.workflow.start<typeof videoIngestWorkflow>('videoIngestWorkflow', {
    taskQueue: taskQueue('core', prefix),
    workflowId: `test-ingest-${lessonId}`,
    args: [input],
  });
}

/** The outcome, and the history kept under `name` for the replay at the end (and tests/workflows/histories/). */
async function finish(
  handle: WorkflowHandle<typeof videoIngestWorkflow>,
  name: string,
): Promise<IngestProgress | Error> {
  const result = await handle.result().catch((err: Error) => err);
  histories.push({ name, history: await handle.fetchHistory() });
  return result;
}

it('mirrors transcoding progress to the lesson and the query, then completes the lesson', async () => {
  script.transcode = async () => {
    const { client, info } = Context.current();
    await client.workflow
      .getHandle(info.workflowExecution!.workflowId)
      .signal(ingestStageProgressSignal, { stage: 'transcoding', stagePercent: 50 });
    await new Promise<void>((resolve) => (releaseTranscode = resolve));
  };
  const handle = await start();
  let progress: IngestProgress | undefined;
  for (let i = 0; i < 100 && progress?.percent !== ingestPercent('transcoding', 50); i++) {
    progress = await handle.query(ingestProgressQuery);
    await new Promise((r) => setTimeout(r, 100));
  }
  expect(progress).toEqual({ stage: 'transcoding', percent: 51 });
  for (let i = 0; i < 50 && !called('recordIngestProgress').includes(51); i++)
    await new Promise((r) => setTimeout(r, 100));
  releaseTranscode();

  expect(await finish(handle, 'ingest-ready')).toEqual({ stage: 'ready', percent: 100 });
  expect(called('recordIngestProgress')).toEqual([5, 51, 98]); // transcoding began, half-way, finalizing
  expect(called('completeIngest')).toEqual([
    expect.objectContaining({ durationSeconds: 62, thumbnailKey: expect.stringContaining('/thumbnails/') }),
  ]);
  expect(called('failIngest')).toEqual([]);
});

it('fails the lesson with the file’s fault and completes (no retry)', async () => {
  let attempts = 0;
  script.probe = async () => {
    attempts++;
    throw ApplicationFailure.nonRetryable(
      'The file is not a readable video: moov atom not found',
      INGEST_FILE_FAULTS.invalidVideo,
    );
  };
  const result = await finish(await start(), 'ingest-unreadable-file');
  expect(result).toEqual({
    stage: 'failed',
    percent: 0,
    failureReason: 'The file is not a readable video: moov atom not found',
  });
  expect(attempts).toBe(1);
  expect(called('failIngest')).toEqual(['The file is not a readable video: moov atom not found']);
});

it('fails the lesson with the generic message on any other failure, and the workflow fails for operators to see', async () => {
  script.transcode = async () => {
    throw ApplicationFailure.nonRetryable('no space left on device', 'DiskFull');
  };
  const result = await finish(await start(), 'ingest-failed');
  expect(result).toBeInstanceOf(Error);
  expect(called('failIngest')).toEqual([VIDEO_PROCESSING_FAILED_MESSAGE]);
});

it('cancels the transcode when the thumbnail made alongside it fails', async () => {
  script.thumbnail = async () => {
    throw ApplicationFailure.nonRetryable('cannot write thumbnail', 'Broken');
  };
  script.transcode = heartbeatUntilCancelled;
  const result = await finish(await start(), 'ingest-thumbnail-failed');
  expect(result).toBeInstanceOf(Error);
  expect(called('transcodeCancelled')).toHaveLength(called('transcodeStarted').length);
  expect(called('failIngest')).toEqual([VIDEO_PROCESSING_FAILED_MESSAGE]);
});

it('cleans up everything, the original included, when the lesson is gone', async () => {
  script.lessonExists = false;
  expect(await finish(await start(), 'ingest-lesson-gone-before')).toEqual({ stage: 'cancelled', percent: 0 });
  expect(called('deleteVideoObjects')).toEqual([expect.objectContaining({ keepOriginal: false })]);

  calls = [];
  script = { ...script, lessonExists: true, lessonKeptAtEnd: false };
  expect(await finish(await start(), 'ingest-lesson-gone-after')).toMatchObject({ stage: 'cancelled' });
  expect(called('deleteVideoObjects')).toEqual([expect.objectContaining({ keepOriginal: false })]);
});

it('on cancellation stops the transcode first, then fails the lesson and keeps only the original', async () => {
  script.transcode = heartbeatUntilCancelled;
  const handle = await start();
  for (let i = 0; i < 100 && called('transcodeStarted').length === 0; i++) await new Promise((r) => setTimeout(r, 100));
  await handle.cancel();
  const result = await finish(handle, 'ingest-cancelled');
  expect(result).toBeInstanceOf(Error);
  expect(called('transcodeCancelled')).toHaveLength(1);
  // Clean-up comes after the activity stopped (WAIT_CANCELLATION_COMPLETED), so nothing is written after it.
  const order = calls
    .map((c) => c.name)
    .filter((n) => ['transcodeCancelled', 'failIngest', 'deleteVideoObjects'].includes(n));
  // Swept twice: an aborted upload may still land a moment after the first sweep.
  expect(order).toEqual(['transcodeCancelled', 'failIngest', 'deleteVideoObjects', 'deleteVideoObjects']);
  expect(called('deleteVideoObjects')).toEqual([
    expect.objectContaining({ keepOriginal: true }),
    expect.objectContaining({ keepOriginal: true }),
  ]);
});

it('on cancellation that an activity meets as a failure (its input deleted first) still cleans up and ends cancelled', async () => {
  script.transcode = async () => {
    await heartbeatUntilCancelled().catch(() => undefined);
    throw new Error('ffmpeg exited with 1: Server returned 404 Not Found'); // retryable, but the cancellation ends the retries
  };
  const handle = await start();
  for (let i = 0; i < 100 && called('transcodeStarted').length === 0; i++) await new Promise((r) => setTimeout(r, 100));
  script.lessonExists = false; // deleted, which is what cancels the ingest
  await handle.cancel();
  const result = await finish(handle, 'ingest-cancelled-input-gone');
  expect(result).toBeInstanceOf(Error);
  expect((await handle.describe()).status.name).toBe('CANCELLED');
  expect(called('failIngest')).toEqual([PROCESSING_CANCELLED_MESSAGE]);
  expect(called('deleteVideoObjects')).toEqual([
    expect.objectContaining({ keepOriginal: false }),
    expect.objectContaining({ keepOriginal: false }),
  ]);
});

it('replays every history above deterministically (RECORD_HISTORIES=1 commits them for future code)', async () => {
  expect(histories.map((h) => h.name).sort()).toEqual([
    'ingest-cancelled',
    'ingest-cancelled-input-gone',
    'ingest-failed',
    'ingest-lesson-gone-after',
    'ingest-lesson-gone-before',
    'ingest-ready',
    'ingest-thumbnail-failed',
    'ingest-unreadable-file',
  ]);
  for (const { name, history } of histories) {
    await Worker.runReplayHistory({ workflowsPath, replayName: REPLAY_WORKER_NAME }, history, name);
    if (process.env.RECORD_HISTORIES === '1')
      fs.writeFileSync(path.join(HISTORIES, `${name}.json`), historyToJson(history));
  }
});
