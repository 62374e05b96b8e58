import type { Knex } from 'knex';

/**
 * Learning progress (spec MKT-022..024), decided in the database so every writer obeys the same rules:
 *
 * - `enrollment_lesson_counts(enrollment, course)`: the one definition of a course's progress — the lessons a
 *   student can watch (video `ready`) and how many of them this enrollment completed. The API's percentages,
 *   the certificate and review thresholds and the trigger below all read it.
 * - An enrollment is completed (completed_at) the moment its last lesson is completed, by a trigger on
 *   course_progress. The trigger locks the enrollment row before counting: the count then runs on a fresh
 *   snapshot (READ COMMITTED, VOLATILE function), so two lessons completed concurrently by two requests cannot
 *   both miss each other — the second waits for the first to commit and sees its row.
 * - certificates.completed_at: the completion date printed on a certificate, fixed when it is issued (a later
 *   100% must not change a document already handed out); the issue time unless the issuer says otherwise.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    CREATE FUNCTION enrollment_lesson_counts(p_enrollment_id uuid, p_course_id uuid)
    RETURNS TABLE (total_lessons integer, completed_lessons integer)
    LANGUAGE sql STABLE AS $$
      SELECT count(*)::int, (count(*) FILTER (WHERE p.completed))::int
      FROM course_lessons l
      LEFT JOIN course_progress p ON p.lesson_id = l.id AND p.enrollment_id = p_enrollment_id
      WHERE l.course_id = p_course_id AND l.video_status = 'ready'
    $$
  `);

  await knex.raw(`
    CREATE FUNCTION complete_enrollment_after_last_lesson() RETURNS trigger
    LANGUAGE plpgsql AS $$
    BEGIN
      -- Lock first, count second (see the migration's comment): the UPDATE below takes a new snapshot.
      PERFORM 1 FROM enrollments WHERE id = NEW.enrollment_id FOR NO KEY UPDATE;
      UPDATE enrollments e
      SET completed_at = now(), updated_at = now()
      WHERE e.id = NEW.enrollment_id
        AND e.completed_at IS NULL
        AND (SELECT c.total_lessons > 0 AND c.completed_lessons = c.total_lessons
             FROM enrollment_lesson_counts(e.id, e.course_id) c);
      RETURN NULL;
    END
    $$
  `);
  await knex.raw(`
    CREATE TRIGGER course_progress_completes_enrollment_insert
    AFTER INSERT ON course_progress
    FOR EACH ROW WHEN (NEW.completed)
    EXECUTE FUNCTION complete_enrollment_after_last_lesson()
  `);
  await knex.raw(`
    CREATE TRIGGER course_progress_completes_enrollment_update
    AFTER UPDATE OF completed ON course_progress
    FOR EACH ROW WHEN (NEW.completed AND NOT OLD.completed)
    EXECUTE FUNCTION complete_enrollment_after_last_lesson()
  `);

  await knex.schema.alterTable('certificates', (t) => {
    t.timestamp('completed_at', { useTz: true })
      .notNullable()
      .defaultTo(knex.fn.now())
      .comment('completion date printed on the certificate');
  });
  await knex.raw(`
    UPDATE certificates c SET completed_at = coalesce(e.completed_at, c.issued_at)
    FROM enrollments e WHERE e.id = c.enrollment_id
  `);
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('certificates', (t) => t.dropColumn('completed_at'));
  await knex.raw('DROP TRIGGER course_progress_completes_enrollment_update ON course_progress');
  await knex.raw('DROP TRIGGER course_progress_completes_enrollment_insert ON course_progress');
  await knex.raw('DROP FUNCTION complete_enrollment_after_last_lesson()');
  await knex.raw('DROP FUNCTION enrollment_lesson_counts(uuid, uuid)');
}
