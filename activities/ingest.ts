import { refreshTotalDuration } from '../src/courses/course-duration';
import type { Deps } from '../src/deps';
import type { LessonRendition } from '../src/models/CourseLesson';
import { deleteVideoObjects } from '../src/storage/video-objects';

/**
 * The video ingest's database writes and clean-up (core pool). Every write is scoped to the lesson *and*
 * the video it was started for, so a retried or late activity never touches a lesson that has been deleted
 * or has another video since; each write is idempotent (a retry sets the same values).
 */

export interface LessonVideoRef {
  lessonId: string;
  videoKey: string;
}

export interface IngestOutcome extends LessonVideoRef {
  durationSeconds: number;
  thumbnailKey: string;
  masterPlaylistKey: string;
  renditions: LessonRendition[];
}

export function createIngestActivities(deps: Deps) {
  const { knex } = deps;
  const bucket = { s3: deps.s3, name: deps.config.S3_BUCKET };
  const lessonVideo = (ref: LessonVideoRef) =>
    knex('course_lessons').where({ id: ref.lessonId, video_key: ref.videoKey });

  return {
    /** Marks the lesson `processing`; false when the lesson (with this video) no longer exists. */
    async beginIngest(ref: LessonVideoRef): Promise<boolean> {
      const updated = await lessonVideo(ref).update({
        video_status: 'processing',
        processing_percent: 0,
        failure_reason: null,
        updated_at: knex.fn.now(),
      });
      return updated > 0;
    },

    /** Progress only moves forward, so a late retry cannot set it back. */
    async recordIngestProgress(ref: LessonVideoRef & { percent: number }): Promise<void> {
      await lessonVideo(ref)
        .where({ video_status: 'processing' })
        .where('processing_percent', '<', ref.percent)
        .update({ processing_percent: ref.percent, updated_at: knex.fn.now() });
    },

    /** The lesson becomes `ready` and its course's total duration includes it; false when the lesson is gone. */
    async completeIngest(outcome: IngestOutcome): Promise<boolean> {
      return knex.transaction(async (trx) => {
        const [lesson] = await trx('course_lessons')
          .where({ id: outcome.lessonId, video_key: outcome.videoKey })
          .update({
            video_status: 'ready',
            processing_percent: 100,
            failure_reason: null,
            video_duration_seconds: outcome.durationSeconds,
            thumbnail_key: outcome.thumbnailKey,
            stream_manifest_key: outcome.masterPlaylistKey,
            renditions: JSON.stringify(outcome.renditions),
            updated_at: trx.fn.now(),
          })
          .returning<{ course_id: string }[]>('course_id');
        if (!lesson) return false;
        await refreshTotalDuration(trx, lesson.course_id);
        return true;
      });
    },

    /** The lesson becomes `failed` with a reason its owner can act on; false when the lesson is gone. */
    async failIngest(ref: LessonVideoRef & { reason: string }): Promise<boolean> {
      return knex.transaction(async (trx) => {
        const [lesson] = await trx('course_lessons')
          .where({ id: ref.lessonId, video_key: ref.videoKey })
          .update({ video_status: 'failed', failure_reason: ref.reason, updated_at: trx.fn.now() })
          .returning<{ course_id: string }[]>('course_id');
        // A lesson that was ready before (a re-run) no longer counts towards the course's duration.
        if (lesson) await refreshTotalDuration(trx, lesson.course_id);
        return lesson !== undefined;
      });
    },

    /**
     * Removes what the ingest produced (thumbnail, renditions) and, once the lesson is gone, the original too.
     * Runs after the media activities stopped, so it also catches objects written after the API's own clean-up.
     */
    async deleteVideoObjects(ref: { videoKey: string; keepOriginal: boolean }): Promise<void> {
      await deleteVideoObjects(bucket, ref.videoKey, { keepOriginal: ref.keepOriginal });
    },
  };
}
