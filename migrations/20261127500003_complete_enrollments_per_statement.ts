import type { Knex } from 'knex';

/**
 * Enrollment completion (migration 20261127500001) checked once per INSERT statement instead of once per
 * inserted row, so bulk writers pay per batch: the seed writes progress in batches of thousands, and one
 * row-level check per row (a lock and a lesson count each, planned before the tables had statistics) made
 * a 5,000-course seed spend 42 of its 47 seconds here.
 *
 * - INSERT: a statement-level trigger; its transition table names the enrollments that got a completed
 *   lesson. They are locked in id order (two bulk writers cannot deadlock), then counted, as before.
 * - UPDATE stays row-level with its WHEN clause, so the frequent progress updates that complete nothing
 *   (players send a position every few seconds) never call the function at all.
 * The rule itself is unchanged: lock first, count second, in a new statement with a fresh snapshot.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw('DROP TRIGGER course_progress_completes_enrollment_insert ON course_progress');
  await knex.raw(`
    CREATE OR REPLACE FUNCTION complete_enrollment_after_last_lesson() RETURNS trigger
    LANGUAGE plpgsql AS $$
    DECLARE
      candidates uuid[];
    BEGIN
      IF TG_LEVEL = 'ROW' THEN
        candidates := ARRAY[NEW.enrollment_id];
      ELSE
        SELECT array_agg(DISTINCT enrollment_id ORDER BY enrollment_id) INTO candidates FROM inserted_rows WHERE completed;
        IF candidates IS NULL THEN
          RETURN NULL;
        END IF;
      END IF;
      -- Lock first, count second (see migration 20261127500001): the UPDATE below takes a new snapshot.
      PERFORM 1 FROM enrollments WHERE id = ANY(candidates) ORDER BY id FOR NO KEY UPDATE;
      UPDATE enrollments e
      SET completed_at = now(), updated_at = now()
      WHERE e.id = ANY(candidates)
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
    REFERENCING NEW TABLE AS inserted_rows
    FOR EACH STATEMENT
    EXECUTE FUNCTION complete_enrollment_after_last_lesson()
  `);
}

/** Back to one check per inserted completed row (the function still serves the row-level UPDATE trigger as is). */
export async function down(knex: Knex): Promise<void> {
  await knex.raw('DROP TRIGGER course_progress_completes_enrollment_insert ON course_progress');
  await knex.raw(`
    CREATE TRIGGER course_progress_completes_enrollment_insert
    AFTER INSERT ON course_progress
    FOR EACH ROW WHEN (NEW.completed)
    EXECUTE FUNCTION complete_enrollment_after_last_lesson()
  `);
}
