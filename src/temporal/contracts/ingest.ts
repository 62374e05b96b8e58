/** Contract of `videoIngestWorkflow` (workflows/ingest.ts): one lesson's video, from upload to HLS. */
import { defineQuery, defineSignal } from '@temporalio/workflow';
import type { IngestStage } from '../../domain/video';

export const INGEST_WORKFLOW = 'videoIngestWorkflow';

/** One video ingest per lesson (a lesson has one video). */
export const ingestWorkflowId = (lessonId: string) => `ingest-${lessonId}`;

/** Input of `videoIngestWorkflow`, started when a lesson's upload is complete. */
export interface IngestInput {
  lessonId: string;
  courseId: string;
  /** S3 key of the uploaded original. */
  videoKey: string;
}

export interface IngestProgress {
  stage: IngestStage;
  /** Whole ingest, 0–100. */
  percent: number;
  /** Set once the ingest failed. */
  failureReason?: string;
}

/** Activity failure types that are the uploaded file's fault: not retried; the lesson fails with the message. */
export const INGEST_FILE_FAULTS = { invalidVideo: 'InvalidVideo', videoMissing: 'VideoMissing' } as const;

/** Sent by the transcoding activity as ffmpeg advances (throttled), so the query and the lesson row can show it. */
export const ingestStageProgressSignal =
  defineSignal<[{ stage: IngestStage; stagePercent: number }]>('ingestStageProgress');
export const ingestProgressQuery = defineQuery<IngestProgress>('ingestProgress');
