import {
  ActivityCancellationType,
  ActivityFailure,
  ApplicationFailure,
  CancellationScope,
  CancelledFailure,
  type RetryPolicy,
  condition,
  isCancellation,
  patched,
  proxyActivities,
  setCurrentDetails,
  setHandler,
  sleep,
  workflowInfo,
} from '@temporalio/workflow';
import type { createIngestActivities } from '../activities/ingest';
import type { createMediaActivities } from '../activities/media';
import {
  ingestPercent,
  thumbnailAtSeconds,
  VIDEO_PROCESSING_FAILED_MESSAGE,
  wholeSeconds,
  type IngestStage,
  type VideoLimits,
} from '../src/domain/video';
import {
  INGEST_FILE_FAULTS,
  type IngestInput,
  type IngestProgress,
  ingestProgressQuery,
  ingestStageProgressSignal,
} from '../src/temporal/contracts/ingest';
import { siblingQueue } from '../src/temporal/shared';

type MediaActivities = ReturnType<typeof createMediaActivities>;

const core = proxyActivities<ReturnType<typeof createIngestActivities>>({
  startToCloseTimeout: '1 minute',
  retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '1 minute', maximumAttempts: 20 },
});

export const PROCESSING_CANCELLED_MESSAGE = 'Processing was cancelled';
/** Workflows started before the second clean-up sweep existed replay without it. */
const SWEEP_TWICE_PATCH = 'ingest-cancel-sweep-twice';
const LATE_UPLOAD_GRACE = '3 seconds';
const DEFAULT_MEDIA_ATTEMPTS = 3;
/** The lesson row's percent is written in steps this large (each write is an activity). */
const PERSIST_STEP_PERCENT = 5;

/**
 * Video ingest (DESIGN §4), one per lesson video: probe → thumbnail and renditions → lesson `ready`, or
 * `failed` with a reason. ffmpeg runs on the media pool; the lesson row is written from the core pool.
 * Progress is queryable (`ingestProgress`) and mirrored to the lesson row. Cancelling the workflow (the
 * lesson was deleted, or an operator stopped it) kills ffmpeg, then removes whatever was produced — and the
 * original too when the lesson no longer exists.
 */
export interface VideoIngestInput extends IngestInput {
  /** The limits in force when the upload was accepted (absent from ingests started before limits existed: the media worker's own). */
  limits?: VideoLimits;
  /** Tries of each media step (VIDEO_INGEST_ATTEMPTS; 3 when absent). */
  mediaAttempts?: number;
}

export async function videoIngestWorkflow(input: VideoIngestInput): Promise<IngestProgress> {
  const ref = { lessonId: input.lessonId, videoKey: input.videoKey };
  const mediaQueue = siblingQueue(workflowInfo().taskQueue, 'media');
  const mediaRetry: RetryPolicy = {
    initialInterval: '5s',
    backoffCoefficient: 2,
    maximumInterval: '2 minutes',
    maximumAttempts: input.mediaAttempts ?? DEFAULT_MEDIA_ATTEMPTS,
  };
  const { probeVideo } = proxyActivities<MediaActivities>({
    taskQueue: mediaQueue,
    startToCloseTimeout: '2 minutes',
    retry: mediaRetry,
  });
  const { createThumbnail, transcodeRenditions } = proxyActivities<MediaActivities>({
    taskQueue: mediaQueue,
    startToCloseTimeout: '6 hours',
    // Short, so a cancelled ffmpeg is killed within seconds and a dead worker's job is retried soon.
    heartbeatTimeout: '10 seconds',
    retry: mediaRetry,
    // Clean-up must not start while ffmpeg may still be uploading.
    cancellationType: ActivityCancellationType.WAIT_CANCELLATION_COMPLETED,
  });

  let progress: IngestProgress = { stage: 'queued', percent: 0 };
  /** The Temporal UI's "current details": stage and percent (the static summary names the lesson and course). */
  const show = (): void => setCurrentDetails(describeIngest(progress));
  const enter = (stage: IngestStage): void => {
    progress = { stage, percent: Math.max(progress.percent, ingestPercent(stage)) };
    show();
  };
  setHandler(ingestProgressQuery, () => progress);
  setHandler(ingestStageProgressSignal, ({ stage, stagePercent }) => {
    if (stage !== progress.stage) return;
    progress = { stage, percent: Math.max(progress.percent, ingestPercent(stage, stagePercent)) };
    show();
  });

  let finished = false;
  let persisted = 0;
  const persistProgress = async (): Promise<void> => {
    for (;;) {
      await condition(() => finished || progress.percent >= persisted + PERSIST_STEP_PERCENT);
      if (finished) return;
      persisted = progress.percent;
      await core.recordIngestProgress({ ...ref, percent: persisted });
    }
  };

  try {
    if (!(await core.beginIngest(ref))) {
      // The lesson was deleted before its ingest began.
      await core.deleteVideoObjects({ videoKey: input.videoKey, keepOriginal: false });
      progress = { stage: 'cancelled', percent: 0 };
      return progress;
    }
    // Informational: a failure to mirror progress must not fail the ingest (the outcome is written anyway).
    const persisting = persistProgress().catch(() => undefined);
    try {
      enter('probing');
      const probe = await probeVideo({ videoKey: input.videoKey, ...(input.limits && { limits: input.limits }) });
      enter('transcoding');
      // The thumbnail needs only the probe: it is made alongside the renditions rather than before them.
      const [{ thumbnailKey }, streams] = await allOrNothing([
        () => createThumbnail({ videoKey: input.videoKey, atSeconds: thumbnailAtSeconds(probe.durationSeconds) }),
        () =>
          transcodeRenditions({
            videoKey: input.videoKey,
            width: probe.width,
            height: probe.height,
            durationSeconds: probe.durationSeconds,
            hasAudio: probe.hasAudio,
          }),
      ] as const);
      enter('finalizing');
      const stored = await core.completeIngest({
        ...ref,
        durationSeconds: wholeSeconds(probe.durationSeconds),
        thumbnailKey,
        masterPlaylistKey: streams.masterPlaylistKey,
        renditions: streams.renditions,
      });
      if (!stored) {
        // The lesson was deleted while we worked: its video and what we made belong to nobody.
        await core.deleteVideoObjects({ videoKey: input.videoKey, keepOriginal: false });
        progress = { ...progress, stage: 'cancelled' };
        return progress;
      }
      progress = { stage: 'ready', percent: 100 };
      show();
      return progress;
    } finally {
      finished = true;
      await persisting;
    }
  } catch (err) {
    // A cancellation can also surface as an activity failure: deleting the lesson removes ffmpeg's input,
    // and ffmpeg may fail on that before the cancellation reaches it.
    if (isCancellation(err) || CancellationScope.current().consideredCancelled) {
      // The media activities have stopped (WAIT_CANCELLATION_COMPLETED): now nothing writes any more.
      await CancellationScope.nonCancellable(async () => {
        const lessonExists = await core.failIngest({ ...ref, reason: PROCESSING_CANCELLED_MESSAGE });
        await core.deleteVideoObjects({ videoKey: input.videoKey, keepOriginal: lessonExists });
        if (patched(SWEEP_TWICE_PATCH)) {
          // An upload aborted by the cancellation may still land at the store a moment later (its body was
          // already sent): sweep once more after that moment.
          await sleep(LATE_UPLOAD_GRACE);
          await core.deleteVideoObjects({ videoKey: input.videoKey, keepOriginal: lessonExists });
        }
      });
      progress = { ...progress, stage: 'cancelled' };
      throw isCancellation(err)
        ? err
        : new CancelledFailure(PROCESSING_CANCELLED_MESSAGE, [], err instanceof Error ? err : undefined);
    }
    const fileFault = fileFaultMessage(err);
    const reason = fileFault ?? VIDEO_PROCESSING_FAILED_MESSAGE;
    await core.failIngest({ ...ref, reason });
    progress = { stage: 'failed', percent: progress.percent, failureReason: reason };
    show();
    // The file's fault is an outcome, not an operational failure; anything else stays visible as a failed workflow.
    if (fileFault) return progress;
    throw err;
  }
}

/** `**transcoding** · 45%`, `**failed** · <reason>`. */
export function describeIngest(progress: IngestProgress): string {
  const status = progress.failureReason ?? `${progress.percent}%`;
  return `**${progress.stage}** · ${status}`;
}

/** Runs steps side by side; when one fails, the others are cancelled and awaited before the failure propagates. */
async function allOrNothing<T extends readonly unknown[]>(steps: {
  readonly [K in keyof T]: () => Promise<T[K]>;
}): Promise<T> {
  const scope = new CancellationScope();
  const running = steps.map((step) => scope.run(step));
  try {
    return (await Promise.all(running)) as unknown as T;
  } catch (err) {
    scope.cancel();
    await Promise.allSettled(running);
    throw err;
  }
}

function fileFaultMessage(err: unknown): string | undefined {
  const cause = err instanceof ActivityFailure ? err.cause : undefined;
  const faults: readonly string[] = Object.values(INGEST_FILE_FAULTS);
  return cause instanceof ApplicationFailure && cause.type && faults.includes(cause.type) ? cause.message : undefined;
}
