import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import type { Deps } from '../src/deps';
import { derivedVideoKeys, renditionsFor, videoLimitViolation, type VideoLimits } from '../src/domain/video';
import {
  FfmpegError,
  interpretProbe,
  planRenditions,
  probeArgs,
  progressSeconds,
  run,
  thumbnailArgs,
  transcodeArgs,
  type ProbeResult,
} from '../src/media/ffmpeg';
import { masterPlaylist, mediaPlaylistStats } from '../src/media/hls';
import { videoLimits } from '../src/media/limits';
import type { LessonRendition } from '../src/models/CourseLesson';
import { ffmpegPaths } from '../src/media/ffmpeg-binaries';
import { objectSize, presignedGetUrl, putFile } from '../src/storage/video-objects';
import { INGEST_FILE_FAULTS, ingestStageProgressSignal } from '../src/temporal/contracts/ingest';
import { MEDIA_HEARTBEAT_INTERVAL_MS } from '../src/temporal/shared';
import { ingestSeconds } from '../src/metrics/worker';

/** Runs one ffmpeg step and adds its wall time to the ingest-seconds counter (what the media pool is sized on). */
async function timedIngest<T>(step: string, work: () => Promise<T>): Promise<T> {
  const started = performance.now();
  try {
    return await work();
  } finally {
    ingestSeconds.inc({ step }, (performance.now() - started) / 1000);
  }
}

/**
 * ffprobe/ffmpeg work of the video ingest (media pool: CPU-bound, concurrency ≈ cores). ffmpeg reads the
 * original straight from the bucket through a presigned URL (range requests, no local copy); outputs are
 * written to a private temp directory and uploaded when complete. Cancellation kills ffmpeg.
 */

/** Long enough for ffmpeg to read the source for the whole of a long transcode. */
const SOURCE_URL_TTL_SECONDS = 6 * 3600;
/** Progress is signalled to the workflow in steps this large (a signal is a history event). */
const SIGNAL_STEP_PERCENT = 5;

export interface TranscodeInput extends Pick<ProbeResult, 'width' | 'height' | 'durationSeconds' | 'hasAudio'> {
  videoKey: string;
}

export interface TranscodeResult {
  masterPlaylistKey: string;
  renditions: LessonRendition[];
}

export function createMediaActivities(deps: Deps) {
  const bucket = { s3: deps.s3, name: deps.config.S3_BUCKET };
  let tools: { ffmpeg: string; ffprobe: string } | undefined;
  // Resolved on first use: a worker that does not serve the media pool needs no ffmpeg.
  const binaries = () =>
    (tools ??= ffmpegPaths({
      NODE_ENV: deps.config.NODE_ENV,
      FFMPEG_PATH: deps.config.FFMPEG_PATH,
      FFPROBE_PATH: deps.config.FFPROBE_PATH,
    }));
  const sourceUrl = (videoKey: string) => presignedGetUrl(bucket, videoKey, SOURCE_URL_TTL_SECONDS);

  return {
    /** Format, duration, size and streams; a file that is not a readable video, or exceeds the limits, fails non-retryably. */
    async probeVideo(input: { videoKey: string; limits?: VideoLimits }): Promise<ProbeResult> {
      const url = await sourceUrl(input.videoKey);
      let json: string;
      try {
        json = await run(binaries().ffprobe, probeArgs(url), { signal: Context.current().cancellationSignal });
      } catch (err) {
        if (!(err instanceof FfmpegError)) throw err;
        // ffprobe reports an unreachable store and an unreadable file alike; if the store serves the object, the file is at fault.
        if ((await objectSize(bucket, input.videoKey)) === undefined) {
          throw ApplicationFailure.nonRetryable('The uploaded video no longer exists', INGEST_FILE_FAULTS.videoMissing);
        }
        // ffprobe's own words stay in the log: shown to the uploader they would report what the file made it try.
        Context.current().log.warn('ffprobe could not read an uploaded video', {
          videoKey: input.videoKey,
          exitCode: err.exitCode,
          stderr: err.stderrTail,
        });
        throw invalidVideo(UNREADABLE_VIDEO_REASON);
      }
      const probe = interpretProbe(json);
      if ('unreadable' in probe) throw invalidVideo(probe.unreadable);
      const tooMuch = videoLimitViolation(probe, input.limits ?? videoLimits(deps.config));
      if (tooMuch) throw ApplicationFailure.nonRetryable(tooMuch, INGEST_FILE_FAULTS.invalidVideo);
      return probe;
    },

    async createThumbnail(input: { videoKey: string; atSeconds: number }): Promise<{ thumbnailKey: string }> {
      const { signal, stop } = heartbeating();
      const { thumbnailKey } = derivedVideoKeys(input.videoKey);
      try {
        await withTempDir(async (dir) => {
          const file = path.join(dir, 'thumbnail.jpg');
          const args = thumbnailArgs(await sourceUrl(input.videoKey), input.atSeconds, file);
          await timedIngest('thumbnail', () => run(binaries().ffmpeg, args, { signal }));
          await putFile(bucket, thumbnailKey, file, 'image/jpeg', signal);
        });
      } finally {
        stop();
      }
      return { thumbnailKey };
    },

    /** Every rendition in one ffmpeg run, heartbeating and signalling progress; then the files and the master playlist are uploaded. */
    async transcodeRenditions(input: TranscodeInput): Promise<TranscodeResult> {
      const context = Context.current();
      const { signal, report, stop } = heartbeating();
      const { streamPrefix, masterPlaylistKey } = derivedVideoKeys(input.videoKey);
      const planned = planRenditions(input, renditionsFor(input.width, input.height));
      const caller = context.info.workflowExecution;
      const workflow = caller && context.client.workflow.getHandle(caller.workflowId);
      let signalled = 0;
      const onProgress = (fields: Map<string, string>): void => {
        const seconds = progressSeconds(fields);
        if (seconds === undefined) return;
        const stagePercent = Math.min(100, Math.floor((100 * seconds) / input.durationSeconds));
        report({ stagePercent });
        if (!workflow || stagePercent - signalled < SIGNAL_STEP_PERCENT) return;
        signalled = stagePercent;
        // Progress is informational: a lost signal must not fail the transcode.
        workflow.signal(ingestStageProgressSignal, { stage: 'transcoding', stagePercent }).catch((err: unknown) => {
          context.log.warn('progress signal not delivered', { error: String(err) });
        });
      };
      try {
        return await withTempDir(async (dir) => {
          const url = await sourceUrl(input.videoKey);
          await timedIngest('transcode', () =>
            run(binaries().ffmpeg, transcodeArgs(url, planned, dir, { hasAudio: input.hasAudio }), {
              signal,
              onProgress,
            }),
          );
          const renditions: LessonRendition[] = [];
          const variants = [];
          for (const r of planned) {
            const key = `${streamPrefix}${r.mediaFile}`;
            const playlistKey = `${streamPrefix}${r.playlistFile}`;
            await putFile(bucket, key, path.join(dir, r.mediaFile), 'video/mp4', signal);
            await putFile(bucket, playlistKey, path.join(dir, r.playlistFile), 'application/vnd.apple.mpegurl', signal);
            const stats = mediaPlaylistStats(await fs.promises.readFile(path.join(dir, r.playlistFile), 'utf8'));
            variants.push({ ...stats, width: r.width, height: r.height, uri: r.playlistFile });
            renditions.push({
              height: r.height,
              width: r.width,
              key,
              playlist_key: playlistKey,
              bitrate_kbps: Math.round(stats.averageBitsPerSecond / 1000),
            });
          }
          // Written last: its presence means every rendition it lists is complete.
          const master = path.join(dir, 'master.m3u8');
          await fs.promises.writeFile(master, masterPlaylist(variants));
          await putFile(bucket, masterPlaylistKey, master, 'application/vnd.apple.mpegurl', signal);
          return { masterPlaylistKey, renditions };
        });
      } finally {
        stop();
      }
    },
  };
}

/** The one reason given for any file ffprobe cannot read (the detail is logged). */
const UNREADABLE_VIDEO_REASON = 'it is damaged, or not really an MP4/MOV file';

function invalidVideo(reason: string): ApplicationFailure {
  return ApplicationFailure.nonRetryable(
    `The file is not a readable video: ${reason}`,
    INGEST_FILE_FAULTS.invalidVideo,
  );
}

/**
 * Heartbeats every MEDIA_HEARTBEAT_INTERVAL_MS with the latest progress, which is also
 * how the activity learns it was cancelled. `signal` aborts on cancellation; `stop()` ends the heartbeats.
 */
function heartbeating(): { signal: AbortSignal; report(details: object): void; stop(): void } {
  const context = Context.current();
  let details: object = {};
  context.heartbeat(details);
  const timer = setInterval(() => context.heartbeat(details), MEDIA_HEARTBEAT_INTERVAL_MS);
  return { signal: context.cancellationSignal, report: (d) => (details = d), stop: () => clearInterval(timer) };
}

async function withTempDir<T>(fn: (dir: string) => Promise<T>): Promise<T> {
  const dir = await fs.promises.mkdtemp(path.join(os.tmpdir(), 'edustream-ingest-'));
  try {
    return await fn(dir);
  } finally {
    await fs.promises.rm(dir, { recursive: true, force: true });
  }
}
