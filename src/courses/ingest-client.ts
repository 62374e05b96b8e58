import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import type { Config } from '../config';
import {
  INGEST_WORKFLOW,
  type IngestInput,
  type IngestProgress,
  ingestProgressQuery,
  ingestWorkflowId,
} from '../temporal/contracts/ingest';
import { searchAttributes, taskQueue } from '../temporal/shared';
import type { videoIngestWorkflow } from '../../workflows/ingest';
import { videoLimits } from '../media/limits';

/** The API's side of the video ingest: start it once per lesson video, ask how far it is, cancel it. */

/**
 * Starts the lesson's ingest; a repeated call (a retried `complete`, a double click) lands on the same
 * workflow, whether it is still running or already finished — a lesson's video is ingested once.
 */
/** What operators see of an ingest in the Temporal UI besides its ids: whose it is and what it is called. */
export interface IngestLabels {
  instructorId: string;
  lessonTitle: string;
  courseTitle: string;
}

const quoted = (title: string): string => `“${title.length > 80 ? `${title.slice(0, 79)}…` : title}”`;

export async function startIngest(
  temporal: Client,
  config: Config,
  input: IngestInput,
  labels: IngestLabels,
  options: { rerun?: boolean } = {},
): Promise<void> {
  try {
    await temporal.workflow.start<typeof videoIngestWorkflow>(INGEST_WORKFLOW, {
      taskQueue: taskQueue('core', config.TASK_QUEUE_PREFIX),
      workflowId: ingestWorkflowId(input.lessonId),
      args: [{ ...input, limits: videoLimits(config), mediaAttempts: config.VIDEO_INGEST_ATTEMPTS }],
      workflowIdConflictPolicy: 'USE_EXISTING',
      // A rerun (retrying a failed ingest) is a new run under the same id, so progress and cancellation find it.
      workflowIdReusePolicy: options.rerun ? 'ALLOW_DUPLICATE' : 'REJECT_DUPLICATE',
      typedSearchAttributes: [
        { key: searchAttributes.courseId, value: input.courseId },
        { key: searchAttributes.lessonId, value: input.lessonId },
        { key: searchAttributes.instructorId, value: labels.instructorId },
      ],
      staticSummary: `Video ingest of lesson ${quoted(labels.lessonTitle)} in course ${quoted(labels.courseTitle)}`,
      staticDetails: `Lesson \`${input.lessonId}\` · course \`${input.courseId}\` · instructor \`${labels.instructorId}\` · original \`${input.videoKey}\``,
    });
  } catch (err) {
    if (err instanceof WorkflowExecutionAlreadyStartedError) return;
    throw err;
  }
}

/** Live progress of a running ingest, or undefined when there is none to ask (never started, finished long ago, unreachable). */
export async function ingestProgress(temporal: Client, lessonId: string): Promise<IngestProgress | undefined> {
  try {
    return await temporal.workflow.getHandle(ingestWorkflowId(lessonId)).query(ingestProgressQuery);
  } catch {
    return undefined;
  }
}

/** Whether the lesson's ingest workflow is still running (it may be finishing its clean-up after writing the outcome). */
export async function isIngestRunning(temporal: Client, lessonId: string): Promise<boolean> {
  try {
    return (await temporal.workflow.getHandle(ingestWorkflowId(lessonId)).describe()).status.name === 'RUNNING';
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) return false;
    throw err;
  }
}

/** Requests cancellation of the lesson's ingest; nothing to do when none is running. */
export async function cancelIngest(temporal: Client, lessonId: string): Promise<void> {
  const handle = temporal.workflow.getHandle(ingestWorkflowId(lessonId));
  try {
    const { status } = await handle.describe();
    if (status.name !== 'RUNNING') return;
    await handle.cancel();
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) return;
    throw err;
  }
}
