import type { Knex } from 'knex';
import { LESSON_COMPLETE_PERCENT } from '../domain/learning';

export interface LessonProgressInput {
  enrollmentId: string;
  lessonId: string;
  /** The caller: only the enrollment's own student may write its progress. */
  studentId: string;
  /** Playback position in whole seconds (≥ 0). */
  progressSeconds: number;
}

export interface SavedLessonProgress {
  lesson_id: string;
  progress_seconds: number;
  completed: boolean;
  last_watched_at: Date;
}

/**
 * Records a playback position in one round trip (players send one every few seconds): a single statement
 * finds the enrollment — the caller's, active — and the lesson — in its course, ready, at least as long as
 * the position — then upserts the lesson's progress and stamps the enrollment's last access.
 *
 * - Idempotent: the same position twice leaves the same row.
 * - A lesson is completed once the position reaches LESSON_COMPLETE_PERCENT of its duration, and stays
 *   completed when the student seeks back (rewatching does not undo a lesson).
 * - The enrollment row is locked first (FOR NO KEY UPDATE), the progress row second — the order every
 *   progress writer follows, so the completion trigger (migration 20261127500001) can count safely.
 * - The completion test multiplies in bigint: any position the API accepts (up to the int4 column's maximum) fits.
 * - Returns nothing when any condition fails; `describeRejectedProgress` then says which.
 */
export async function saveLessonProgress(
  knex: Knex,
  input: LessonProgressInput,
): Promise<SavedLessonProgress | undefined> {
  const { enrollmentId, lessonId, studentId, progressSeconds } = input;
  const result = await knex.raw<{ rows: SavedLessonProgress[] }>(
    `
    WITH target AS (
      SELECT e.id AS enrollment_id, l.id AS lesson_id, l.video_duration_seconds AS duration
      FROM enrollments e
      JOIN course_lessons l ON l.course_id = e.course_id
      WHERE e.id = ? AND l.id = ? AND e.student_id = ? AND e.status = 'active'
        AND l.video_status = 'ready' AND l.video_duration_seconds >= ?
      FOR NO KEY UPDATE OF e
    ),
    saved AS (
      INSERT INTO course_progress AS p (enrollment_id, lesson_id, progress_seconds, completed)
      SELECT t.enrollment_id, t.lesson_id, ?, ?::bigint * 100 >= t.duration::bigint * ? FROM target t
      ON CONFLICT (enrollment_id, lesson_id) DO UPDATE
      SET progress_seconds = excluded.progress_seconds,
          completed = p.completed OR excluded.completed,
          last_watched_at = now(),
          updated_at = now()
      RETURNING p.lesson_id, p.progress_seconds, p.completed, p.last_watched_at
    ),
    accessed AS (
      UPDATE enrollments e SET last_accessed_at = now(), updated_at = now()
      FROM target t WHERE e.id = t.enrollment_id
    )
    SELECT * FROM saved
    `,
    [enrollmentId, lessonId, studentId, progressSeconds, progressSeconds, progressSeconds, LESSON_COMPLETE_PERCENT],
  );
  return result.rows[0];
}

export type ProgressRejection =
  | 'enrollment_not_found'
  | 'not_enrolled'
  | 'revoked'
  | 'lesson_not_found'
  | 'lesson_not_ready'
  | 'beyond_duration'
  /** Every condition holds now: the state changed between the two statements (e.g. re-activated). */
  | 'changed';

/** Why `saveLessonProgress` saved nothing — looked up only on that (rare) path, so the common one stays one statement. */
export async function describeRejectedProgress(knex: Knex, input: LessonProgressInput): Promise<ProgressRejection> {
  const row = await knex('enrollments as e')
    .leftJoin('course_lessons as l', (join) => {
      join.on('l.course_id', 'e.course_id').andOnVal('l.id', input.lessonId);
    })
    .where('e.id', input.enrollmentId)
    .first<
      | {
          student_id: string;
          status: string;
          lesson_id: string | null;
          video_status: string | null;
          duration: number | null;
        }
      | undefined
    >('e.student_id', 'e.status', 'l.id as lesson_id', 'l.video_status', 'l.video_duration_seconds as duration');
  const access = enrollmentAccess(row, input.studentId);
  if (access !== 'ok') return access;
  if (!row?.lesson_id) return 'lesson_not_found';
  if (row.video_status !== 'ready' || row.duration === null) return 'lesson_not_ready';
  if (input.progressSeconds > row.duration) return 'beyond_duration';
  return 'changed';
}

export type EnrollmentAccess = 'ok' | 'enrollment_not_found' | 'not_enrolled' | 'revoked';

/** Who may use an enrollment: its own student, while it is active. */
export function enrollmentAccess(
  row: { student_id: string; status: string } | undefined,
  userId: string,
): EnrollmentAccess {
  if (!row) return 'enrollment_not_found';
  if (row.student_id !== userId) return 'not_enrolled';
  if (row.status !== 'active') return 'revoked';
  return 'ok';
}
