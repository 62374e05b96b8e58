/**
 * What every workflow, worker and client shares: worker pools and their task queues, the search-attribute
 * keys registered on the namespace. Each workflow's own contract (type name, id, input, result, signals,
 * queries, updates) is in contracts/<workflow>.ts. Deterministic code only: the
 * workflow bundle imports this file.
 */
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

/** Worker pools. Each pool is one task queue; a worker process serves any subset (`--pools`). */
export const POOLS = ['core', 'payments', 'media'] as const;
export type Pool = (typeof POOLS)[number];

/** `prefix` lets several deployments or test runs share one Temporal namespace without stealing each other's tasks. */
export function taskQueue(pool: Pool, prefix = ''): string {
  return `${prefix}edustream-${pool}`;
}

/** `replayName` for `Worker.runReplayHistories`: its task queue is `<name>-<n>`, which siblingQueue accepts. */
export const REPLAY_WORKER_NAME = 'edustream-replay';

/**
 * The queue of another pool as seen from inside a workflow, derived from the workflow's own (core) queue,
 * so that the prefix chosen by configuration reaches workflow code without reading the environment.
 */
export function siblingQueue(coreQueue: string, pool: Pool): string {
  const suffix = taskQueue('core');
  if (coreQueue.endsWith(suffix)) return taskQueue(pool, coreQueue.slice(0, -suffix.length));
  // A replay worker (replay tests) runs on a made-up queue, and replay does not compare the queue a command names.
  if (coreQueue.startsWith(`${REPLAY_WORKER_NAME}-`)) return taskQueue(pool);
  throw new Error(`not a core task queue: ${coreQueue}`);
}

/**
 * How often media activities heartbeat, and how often the media worker passes heartbeats on to the server (instead
 * of 0.8 × the heartbeat timeout): a cancellation is learnt from a heartbeat's reply, so it kills ffmpeg this soon.
 */
export const MEDIA_HEARTBEAT_INTERVAL_MS = 1000;

/** Typed search attributes, registered on the namespace at start-up (see search-attributes.ts). */
export const searchAttributes = {
  instructorId: defineSearchAttributeKey('EduInstructorId', SearchAttributeType.KEYWORD),
  courseId: defineSearchAttributeKey('EduCourseId', SearchAttributeType.KEYWORD),
  lessonId: defineSearchAttributeKey('EduLessonId', SearchAttributeType.KEYWORD),
  transactionId: defineSearchAttributeKey('EduTransactionId', SearchAttributeType.KEYWORD),
  payoutPeriod: defineSearchAttributeKey('EduPayoutPeriod', SearchAttributeType.KEYWORD),
  saleStatus: defineSearchAttributeKey('EduSaleStatus', SearchAttributeType.KEYWORD),
  releaseAt: defineSearchAttributeKey('EduReleaseAt', SearchAttributeType.DATETIME),
  /** Progress of a payout run, for the Temporal UI's list view (e.g. `EduPayoutsFailed > 0`). */
  payoutsPaid: defineSearchAttributeKey('EduPayoutsPaid', SearchAttributeType.INT),
  payoutsFailed: defineSearchAttributeKey('EduPayoutsFailed', SearchAttributeType.INT),
};

/** Set by Temporal on every workflow a Schedule starts (a system attribute: never registered by us). */
export const scheduledStartTime = defineSearchAttributeKey('TemporalScheduledStartTime', SearchAttributeType.DATETIME);
