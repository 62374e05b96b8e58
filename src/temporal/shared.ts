/**
 * What the API, the workers and the workflows must agree on: task-queue names, workflow ids derived from
 * business keys, search attributes, and signal/query/update definitions. Deterministic code only: the
 * workflow bundle imports this file.
 */
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';
import { defineQuery, defineSignal } from '@temporalio/workflow';
import type { IngestStage } from '../domain/video';

/** Worker pools. Each pool is one task queue; a worker process serves any subset (`--pools`). */
export const POOLS = ['core', 'payments', 'media'] as const;
export type Pool = (typeof POOLS)[number];

/** `prefix` lets several deployments or test runs share one Temporal namespace without stealing each other's tasks. */
export function taskQueue(pool: Pool, prefix = ''): string {
  return `${prefix}edustream-${pool}`;
}

/**
 * The queue of another pool as seen from inside a workflow, derived from the workflow's own (core) queue,
 * so that the prefix chosen by configuration reaches workflow code without reading the environment.
 */
export function siblingQueue(coreQueue: string, pool: Pool): string {
  const suffix = taskQueue('core');
  if (!coreQueue.endsWith(suffix)) throw new Error(`not a core task queue: ${coreQueue}`);
  return taskQueue(pool, coreQueue.slice(0, -suffix.length));
}

/** Workflow ids from business keys: a retry, a double click or a duplicated webhook lands on the same workflow. */
export const workflowId = {
  notificationFlush: (requestId: string) => `notifications-flush-${requestId}`,
  /** One escrow timer per sale. */
  escrow: (transactionId: string) => `escrow-${transactionId}`,
  /** One video ingest per lesson (a lesson has one video). */
  ingest: (lessonId: string) => `ingest-${lessonId}`,
};

/**
 * Input of `escrowWorkflow` (workflows/escrow.ts), started by checkout fulfilment for every completed sale.
 * The hold (ESCROW_HOLD) was applied when the sale was recorded: the workflow waits until `releaseAt`.
 */
export interface EscrowInput {
  transactionId: string;
  revenueRecordId: string;
  instructorId: string;
  courseId: string;
  /** ISO timestamp at which the instructor share becomes payable. */
  releaseAt: string;
}

/** Typed search attributes, registered on the namespace at start-up (see search-attributes.ts). */
export const searchAttributes = {
  instructorId: defineSearchAttributeKey('EduInstructorId', SearchAttributeType.KEYWORD),
  courseId: defineSearchAttributeKey('EduCourseId', SearchAttributeType.KEYWORD),
  lessonId: defineSearchAttributeKey('EduLessonId', SearchAttributeType.KEYWORD),
  transactionId: defineSearchAttributeKey('EduTransactionId', SearchAttributeType.KEYWORD),
  payoutPeriod: defineSearchAttributeKey('EduPayoutPeriod', SearchAttributeType.KEYWORD),
  saleStatus: defineSearchAttributeKey('EduSaleStatus', SearchAttributeType.KEYWORD),
  releaseAt: defineSearchAttributeKey('EduReleaseAt', SearchAttributeType.DATETIME),
};

// --- video ingest (workflows/ingest.ts) --------------------------------------------------------

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
export const ingestStageProgressSignal = defineSignal<[{ stage: IngestStage; stagePercent: number }]>('ingestStageProgress');
export const ingestProgressQuery = defineQuery<IngestProgress>('ingestProgress');
