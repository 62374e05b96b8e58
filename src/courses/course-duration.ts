import type { Knex } from 'knex';
import { totalDurationMinutes } from '../domain/courses';

/**
 * Recomputes `courses.total_duration_minutes` from the lessons whose video is ready. Call it inside the
 * transaction that changed a lesson: the course row is locked first, so two lessons finishing at once
 * serialise and the second sum sees the first (no lost update).
 */
export async function refreshTotalDuration(trx: Knex.Transaction, courseId: string): Promise<void> {
  const course = await trx('courses').where({ id: courseId }).forUpdate().first('id');
  if (!course) return;
  const rows = await trx('course_lessons')
    .where({ course_id: courseId, video_status: 'ready' })
    .select<{ video_duration_seconds: number | null }[]>('video_duration_seconds');
  await trx('courses')
    .where({ id: courseId })
    .update({
      total_duration_minutes: totalDurationMinutes(rows.map((r) => r.video_duration_seconds)),
      updated_at: trx.fn.now(),
    });
}
