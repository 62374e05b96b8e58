/**
 * A lesson's video from "stored" to "processing" and, on deletion, out of the way: the steps both upload paths
 * (streamed through the API, or direct to S3 in parts) share. Refusals are HTTP problems the routes pass on.
 */
import type { Client } from '@temporalio/client';
import type { Knex } from 'knex';
import type pino from 'pino';
import type { Config } from '../config';
import {
  MAX_VIDEO_BYTES,
  MAX_VIDEO_SIZE_MESSAGE,
  SNIFF_BYTES,
  sniffVideoContainer,
  UNSUPPORTED_VIDEO_MESSAGE,
  VIDEO_PROCESSING_FAILED_MESSAGE,
} from '../domain/video';
import { CourseLesson } from '../models/CourseLesson';
import { badRequest, conflict, payloadTooLarge, unavailable } from '../problems/http-problem';
import { abortMultipartUpload, completeMultipartUpload, partSizeFor } from '../storage/multipart-uploads';
import { deleteVideoObjects, objectSize, readObjectHead, type Bucket } from '../storage/video-objects';
import { cancelIngest, isIngestRunning, startIngest } from './ingest-client';
import { assertIngestSlot } from './ingest-slots';

export interface LessonVideoDeps {
  knex: Knex;
  temporal: Client;
  config: Config;
  log: pino.Logger;
}

export class LessonVideos {
  constructor(
    private readonly deps: LessonVideoDeps,
    private readonly bucket: Bucket,
  ) {}

  /**
   * Starts the ingest and shows the lesson `processing`. The workflow sets that state itself as it begins,
   * so a crash between the two steps leaves nothing inconsistent; only `awaiting_upload` changes here.
   */
  async begin(lesson: CourseLesson): Promise<CourseLesson> {
    try {
      await this.start(lesson);
    } catch (err) {
      // The video is stored and the lesson exists (awaiting its processing): completing again starts it.
      this.deps.log.warn({ err, lessonId: lesson.id }, 'could not start the video ingest');
      throw unavailable(VIDEO_PROCESSING_FAILED_MESSAGE, 5, {
        retryWith: `POST /api/courses/${lesson.course_id}/lessons/${lesson.id}/upload/complete`,
      });
    }
    await CourseLesson.query(this.deps.knex)
      .findById(lesson.id)
      .where({ video_status: 'awaiting_upload' })
      .patch({ video_status: 'processing' });
    return (await CourseLesson.query(this.deps.knex).findById(lesson.id)) ?? lesson;
  }

  /** Completes a direct upload (idempotent: a repeat after S3 assembled the parts finds the object), checks the file, begins processing. */
  async complete(
    lesson: CourseLesson,
    parts: { partNumber: number; etag: string }[] | undefined,
  ): Promise<CourseLesson> {
    const key = lesson.video_key;
    if (!key) throw conflict('The lesson has no upload in progress');
    let size = await objectSize(this.bucket, key);
    if (size === undefined) {
      if (!lesson.video_upload_id) throw conflict('The lesson has no upload in progress');
      if (!parts?.length) throw badRequest('parts are required to complete the upload', { field: 'parts', in: 'body' });
      assertPartsOfUpload(
        lesson,
        parts.map((p) => p.partNumber),
        'parts',
      );
      await completeMultipartUpload(this.bucket, key, lesson.video_upload_id, parts).catch((err: unknown) => {
        const status = (err as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
        // Wrong or missing parts are the client's to fix (S3 answers 400 InvalidPart / InvalidPartOrder / EntityTooSmall).
        if (status === 400)
          throw badRequest(`S3 refused the parts: ${(err as Error).name}`, { field: 'parts', in: 'body' });
        // NoSuchUpload: a concurrent completion got there first (checked below by the object's presence).
        if (status !== 404) throw err;
      });
      size = await objectSize(this.bucket, key);
      if (size === undefined) throw conflict('The upload is no longer in progress; start a new one');
    }
    if (size > MAX_VIDEO_BYTES) return this.refuse(lesson, payloadTooLarge(MAX_VIDEO_SIZE_MESSAGE));
    if (lesson.video_size_bytes !== null && size !== lesson.video_size_bytes) {
      return this.refuse(
        lesson,
        badRequest(`The uploaded file is ${size} bytes, but ${lesson.video_size_bytes} were declared; upload it again`),
      );
    }
    if (!(await this.isVideo(key, size))) return this.refuse(lesson, badRequest(UNSUPPORTED_VIDEO_MESSAGE));
    // Claims an ingest slot: refused (429), the lesson keeps its stored video and completing again later starts it.
    await this.deps.knex.transaction(async (trx) => {
      const course = await trx('courses')
        .where({ id: lesson.course_id })
        .first<{ instructor_id: string }>('instructor_id');
      await assertIngestSlot(trx, course.instructor_id, this.deps.config.VIDEO_INGESTS_PER_INSTRUCTOR, {
        lock: true,
        exceptLessonId: lesson.id,
      });
      await CourseLesson.query(trx).findById(lesson.id).patch({ video_upload_id: null, video_size_bytes: size });
    });
    return this.begin(lesson);
  }

  private async start(lesson: CourseLesson, options: { rerun?: boolean } = {}): Promise<void> {
    if (!lesson.video_key) throw new Error(`lesson ${lesson.id} has no video`);
    const course = await this.deps
      .knex('courses')
      .where({ id: lesson.course_id })
      .first<{ title: string; instructor_id: string }>('title', 'instructor_id');
    if (!course) throw new Error(`lesson ${lesson.id} has no course`);
    await startIngest(
      this.deps.temporal,
      this.deps.config,
      { lessonId: lesson.id, courseId: lesson.course_id, videoKey: lesson.video_key },
      { instructorId: course.instructor_id, lessonTitle: lesson.title, courseTitle: course.title },
      options,
    );
  }

  /**
   * Processes a failed lesson's stored original again (no re-upload): after a worker outage, an operator's
   * cancellation, or limits raised since. It takes an ingest slot like an upload; 409 when the original is gone.
   */
  async retry(lesson: CourseLesson, instructorId: string): Promise<CourseLesson> {
    if (lesson.video_status !== 'failed') {
      throw conflict(`Only a video whose processing failed can be processed again; this one is ${lesson.video_status}`);
    }
    if (!lesson.video_key || lesson.video_upload_id || (await objectSize(this.bucket, lesson.video_key)) === undefined)
      throw conflict('The original video is no longer stored; upload it again');
    if (await isIngestRunning(this.deps.temporal, lesson.id)) {
      throw conflict('The last processing is still finishing; retry in a few seconds', {
        headers: { 'Retry-After': '5' },
      });
    }
    const previous = { video_status: lesson.video_status, failure_reason: lesson.failure_reason };
    await this.deps.knex.transaction(async (trx) => {
      const claimed = await CourseLesson.query(trx)
        .findById(lesson.id)
        .where({ video_status: 'failed', video_key: lesson.video_key })
        .forUpdate();
      if (!claimed) throw conflict('The lesson changed meanwhile; reload it');
      await assertIngestSlot(trx, instructorId, this.deps.config.VIDEO_INGESTS_PER_INSTRUCTOR, {
        lock: true,
        exceptLessonId: lesson.id,
      });
      await claimed.$query(trx).patch({ video_status: 'processing', failure_reason: null, processing_percent: 0 });
    });
    try {
      await this.start(lesson, { rerun: true });
    } catch (err) {
      await CourseLesson.query(this.deps.knex)
        .findById(lesson.id)
        .where({ video_status: 'processing' })
        .patch(previous);
      this.deps.log.warn({ err, lessonId: lesson.id }, 'could not start the video ingest again');
      throw unavailable(VIDEO_PROCESSING_FAILED_MESSAGE, 5);
    }
    return (await CourseLesson.query(this.deps.knex).findById(lesson.id)) ?? lesson;
  }

  /** Whether a stored object of `size` bytes begins as an MP4/MOV file does (the check both upload paths end with). */
  async isVideo(key: string, size: number): Promise<boolean> {
    return sniffVideoContainer(await readObjectHead(this.bucket, key, SNIFF_BYTES), size) !== undefined;
  }

  /**
   * After the lesson row is gone: cancels processing, abandons an unfinished upload and deletes every object
   * of the video. A cancelled ingest may still write until ffmpeg is killed; it then finds the lesson gone and
   * deletes everything again itself (both clean-ups are idempotent).
   */
  async discard(lesson: CourseLesson): Promise<void> {
    await cancelIngest(this.deps.temporal, lesson.id);
    if (lesson.video_key && lesson.video_upload_id) await this.abandonUpload(lesson.video_key, lesson.video_upload_id);
    if (lesson.video_key) await deleteVideoObjects(this.bucket, lesson.video_key);
  }

  /** Best effort: S3 expires abandoned multipart uploads by lifecycle rule anyway (and some S3-compatible stores cannot abort). */
  async abandonUpload(key: string, uploadId: string): Promise<void> {
    await abortMultipartUpload(this.bucket, key, uploadId).catch((err: unknown) => {
      this.deps.log.warn({ err, key }, 'could not abort a multipart upload');
    });
  }

  /** A refused file: its object is deleted, the lesson is `failed` with the reason, and the caller gets the problem. */
  private async refuse(lesson: CourseLesson, problem: Error & { detail?: string }): Promise<never> {
    if (lesson.video_key) await deleteVideoObjects(this.bucket, lesson.video_key);
    await CourseLesson.query(this.deps.knex)
      .findById(lesson.id)
      .patch({ video_status: 'failed', failure_reason: problem.detail ?? problem.message, video_upload_id: null });
    throw problem;
  }
}

/** Part numbers of a direct upload run from 1 to the count its declared size needs (`upload.partCount`); others are 400. */
export function assertPartsOfUpload(lesson: CourseLesson, partNumbers: number[], field: string): void {
  const declared = lesson.video_size_bytes;
  if (declared === null) return;
  const partCount = Math.ceil(declared / partSizeFor(declared));
  const beyond = partNumbers.find((n) => n > partCount);
  if (beyond !== undefined) {
    throw badRequest(`Part ${beyond} is beyond this upload: a file of ${declared} bytes has ${partCount} part(s)`, {
      field,
      in: 'body',
    });
  }
}
