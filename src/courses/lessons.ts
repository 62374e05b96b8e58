import type { Knex } from 'knex';
import { UniqueViolationError } from 'objection';
import { conflict } from '../problems/http-problem';
import { CourseLesson } from '../models/CourseLesson';

/** Lesson rows: creation with its place in the course, and bulk reordering (spec MKT-004 `reorderLessons`). */

export interface NewLesson {
  courseId: string;
  title: string;
  description?: string | null;
  isPreview: boolean;
  /** Appended after the last lesson when absent. */
  lessonOrder?: number;
  videoKey: string;
  videoUploadId?: string | null;
  videoSizeBytes?: number | null;
}

/**
 * Inserts a lesson awaiting its video's processing. Call it in a transaction that holds the course row
 * (`FOR UPDATE`), so concurrent appends get distinct positions; a position already taken is a 409.
 */
export async function insertLesson(trx: Knex.Transaction, lesson: NewLesson): Promise<CourseLesson> {
  const order = lesson.lessonOrder ?? (await nextLessonOrder(trx, lesson.courseId));
  try {
    return await CourseLesson.query(trx).insertAndFetch({
      course_id: lesson.courseId,
      title: lesson.title,
      description: lesson.description ?? null,
      is_preview: lesson.isPreview,
      lesson_order: order,
      video_status: 'awaiting_upload',
      video_key: lesson.videoKey,
      video_upload_id: lesson.videoUploadId ?? null,
      video_size_bytes: lesson.videoSizeBytes ?? null,
    });
  } catch (err) {
    if (err instanceof UniqueViolationError) throw lessonOrderTaken(order);
    throw err;
  }
}

export const lessonOrderTaken = (order: number) => conflict(`Lesson order ${order} is already taken in this course`);

export async function nextLessonOrder(knex: Knex, courseId: string): Promise<number> {
  const row = await knex('course_lessons')
    .where({ course_id: courseId })
    .max<{ max: number | null }>('lesson_order as max')
    .first();
  return (row?.max ?? 0) + 1;
}

export async function isLessonOrderTaken(knex: Knex, courseId: string, order: number): Promise<boolean> {
  return (await knex('course_lessons').where({ course_id: courseId, lesson_order: order }).first('id')) !== undefined;
}

/**
 * Gives the lessons positions 1..n in the order of `lessonIds`, which must be exactly the course's lessons.
 * One UPDATE; the (course_id, lesson_order) constraint is checked at commit, so positions may swap.
 * Returns false when `lessonIds` is not a permutation of the course's lessons.
 */
export async function reorderLessons(
  trx: Knex.Transaction,
  courseId: string,
  lessonIds: readonly string[],
): Promise<boolean> {
  const existing = await trx('course_lessons').where({ course_id: courseId }).pluck<string[]>('id');
  const wanted = new Set(lessonIds);
  if (
    wanted.size !== lessonIds.length ||
    existing.length !== lessonIds.length ||
    !existing.every((id) => wanted.has(id))
  )
    return false;
  await trx.raw('SET CONSTRAINTS idx_lessons_course_order DEFERRED');
  await trx.raw(
    `UPDATE course_lessons AS l SET lesson_order = v.position, updated_at = now()
       FROM unnest(?::uuid[]) WITH ORDINALITY AS v(id, position)
      WHERE l.id = v.id AND l.course_id = ? AND l.lesson_order IS DISTINCT FROM v.position`,
    [[...lessonIds], courseId],
  );
  return true;
}
