import type { Knex } from 'knex';

/**
 * courses.enrollment_count = the course's ACTIVE enrollments, kept by the database itself so that no
 * code path (fulfilment, refunds, disputes, fixtures, the seed, a psql session) can forget it:
 *
 * - INSERT / DELETE on enrollments: statement-level triggers with transition tables, so a bulk insert
 *   (the seed writes thousands of rows per statement) updates each course once, not once per row;
 * - UPDATE: a row-level trigger that fires only when status or course_id really change (active ↔ revoked,
 *   a refunded buyer re-activated by an upsert), so the frequent updates that touch neither
 *   (last_accessed_at, completed_at) cost nothing;
 * - TRUNCATE enrollments: every count back to 0.
 *
 * The counter is written in the same transaction as the enrollment change, under the course row's lock,
 * so it is exact at every commit. Writes to enrollment_count from anywhere else are ignored (the old value
 * is kept, and a new course starts at 0): a stale full-row UPDATE of a course cannot overwrite it.
 * The count is backfilled from the table, in this transaction, after the triggers exist.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    CREATE FUNCTION enrollments_sync_course_count() RETURNS trigger
    LANGUAGE plpgsql AS $$
    BEGIN
      IF TG_OP = 'INSERT' THEN
        UPDATE courses c SET enrollment_count = c.enrollment_count + d.n
        FROM (SELECT course_id, count(*) AS n FROM new_rows WHERE status = 'active' GROUP BY course_id) d
        WHERE c.id = d.course_id;
      ELSIF TG_OP = 'DELETE' THEN
        UPDATE courses c SET enrollment_count = c.enrollment_count - d.n
        FROM (SELECT course_id, count(*) AS n FROM old_rows WHERE status = 'active' GROUP BY course_id) d
        WHERE c.id = d.course_id;
      ELSIF TG_OP = 'UPDATE' THEN
        IF OLD.status = 'active' THEN
          UPDATE courses SET enrollment_count = enrollment_count - 1 WHERE id = OLD.course_id;
        END IF;
        IF NEW.status = 'active' THEN
          UPDATE courses SET enrollment_count = enrollment_count + 1 WHERE id = NEW.course_id;
        END IF;
      ELSIF TG_OP = 'TRUNCATE' THEN
        UPDATE courses SET enrollment_count = 0 WHERE enrollment_count <> 0;
      END IF;
      RETURN NULL;
    END;
    $$
  `);
  await knex.raw(`
    CREATE TRIGGER enrollments_count_inserted AFTER INSERT ON enrollments
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION enrollments_sync_course_count()
  `);
  await knex.raw(`
    CREATE TRIGGER enrollments_count_deleted AFTER DELETE ON enrollments
    REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION enrollments_sync_course_count()
  `);
  await knex.raw(`
    CREATE TRIGGER enrollments_count_status_changed AFTER UPDATE OF status, course_id ON enrollments
    FOR EACH ROW
    WHEN (OLD.status IS DISTINCT FROM NEW.status OR OLD.course_id IS DISTINCT FROM NEW.course_id)
    EXECUTE FUNCTION enrollments_sync_course_count()
  `);
  await knex.raw(`
    CREATE TRIGGER enrollments_count_truncated AFTER TRUNCATE ON enrollments
    FOR EACH STATEMENT EXECUTE FUNCTION enrollments_sync_course_count()
  `);

  // Backfill, now that the triggers exist: CREATE TRIGGER locked enrollments against writes until commit.
  await knex.raw(`
    UPDATE courses c SET enrollment_count = a.n
    FROM (
      SELECT c.id, count(e.id) FILTER (WHERE e.status = 'active') AS n
      FROM courses c LEFT JOIN enrollments e ON e.course_id = c.id
      GROUP BY c.id
    ) a
    WHERE c.id = a.id AND c.enrollment_count <> a.n
  `);

  // The guard on courses: only the triggers above (nested, so trigger depth > 1 here) may move the count.
  await knex.raw(`
    CREATE FUNCTION courses_guard_enrollment_count() RETURNS trigger
    LANGUAGE plpgsql AS $$
    BEGIN
      IF pg_trigger_depth() = 1 THEN
        NEW.enrollment_count := CASE WHEN TG_OP = 'INSERT' THEN 0 ELSE OLD.enrollment_count END;
      END IF;
      RETURN NEW;
    END;
    $$
  `);
  await knex.raw(`
    CREATE TRIGGER courses_enrollment_count_insert_guard BEFORE INSERT ON courses
    FOR EACH ROW WHEN (NEW.enrollment_count <> 0)
    EXECUTE FUNCTION courses_guard_enrollment_count()
  `);
  await knex.raw(`
    CREATE TRIGGER courses_enrollment_count_update_guard BEFORE UPDATE OF enrollment_count ON courses
    FOR EACH ROW WHEN (OLD.enrollment_count IS DISTINCT FROM NEW.enrollment_count)
    EXECUTE FUNCTION courses_guard_enrollment_count()
  `);
  await knex.raw(`
    COMMENT ON COLUMN courses.enrollment_count IS
      'active enrollments; maintained by triggers on enrollments (writes from elsewhere are ignored)'
  `);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('DROP TRIGGER IF EXISTS courses_enrollment_count_update_guard ON courses');
  await knex.raw('DROP TRIGGER IF EXISTS courses_enrollment_count_insert_guard ON courses');
  await knex.raw('DROP FUNCTION IF EXISTS courses_guard_enrollment_count()');
  await knex.raw('DROP TRIGGER IF EXISTS enrollments_count_truncated ON enrollments');
  await knex.raw('DROP TRIGGER IF EXISTS enrollments_count_status_changed ON enrollments');
  await knex.raw('DROP TRIGGER IF EXISTS enrollments_count_deleted ON enrollments');
  await knex.raw('DROP TRIGGER IF EXISTS enrollments_count_inserted ON enrollments');
  await knex.raw('DROP FUNCTION IF EXISTS enrollments_sync_course_count()');
  await knex.raw("COMMENT ON COLUMN courses.enrollment_count IS 'denormalized, kept by the app'");
}
