import type { Knex } from 'knex';
import { tooManyRequests } from '../problems/http-problem';

/**
 * At most VIDEO_INGESTS_PER_INSTRUCTOR videos of one instructor are stored and waiting for, or in, processing
 * at a time, so that one account cannot fill the media pool. A lesson takes a slot once its video is stored
 * (`awaiting_upload` with no multipart upload left open, or `processing`) and frees it when the ingest ends.
 * Claiming is serialised per instructor (a transaction-scoped advisory lock) so parallel uploads cannot all
 * squeeze through; the first check, before any byte is uploaded, is only there to refuse early.
 */

const RETRY_AFTER_SECONDS = 60;

export const INGEST_SLOTS_DESCRIPTION =
  'The instructor already has VIDEO_INGESTS_PER_INSTRUCTOR videos being processed (Retry-After says when to try again)';

/** Throws 429 when the instructor's videos already fill their slots. Pass the upload's own lesson to leave it out. */
export async function assertIngestSlot(
  knex: Knex,
  instructorId: string,
  limit: number,
  options: { lock?: boolean; exceptLessonId?: string } = {},
): Promise<void> {
  if (options.lock) {
    await knex.raw('select pg_advisory_xact_lock(hashtextextended(?, 0))', [`ingest-slots:${instructorId}`]);
  }
  const row = await knex('course_lessons as l')
    .join('courses as c', 'c.id', 'l.course_id')
    .where('c.instructor_id', instructorId)
    .where((q) => {
      void q.where('l.video_status', 'processing').orWhere((stored) => {
        void stored
          .where('l.video_status', 'awaiting_upload')
          .whereNotNull('l.video_key')
          .whereNull('l.video_upload_id');
      });
    })
    .modify((q) => {
      if (options.exceptLessonId) q.whereNot('l.id', options.exceptLessonId);
    })
    .count<{ count: string }>('l.id as count')
    .first();
  if (Number(row?.count ?? 0) >= limit) {
    const videos = limit === 1 ? 'a video' : `${limit} videos`;
    throw tooManyRequests(
      `You already have ${videos} being processed, the most at one time; upload this one when one of them is ready`,
      RETRY_AFTER_SECONDS,
    );
  }
}
