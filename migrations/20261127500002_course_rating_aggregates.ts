import type { Knex } from 'knex';

/**
 * Review aggregates (spec MKT-026), kept by the database so that they are exact whoever writes reviews
 * (the API, a seed script, an operator's SQL):
 *
 * - courses.rating_count / rating_average / rating_distribution ({count of 1★, …, count of 5★}) are recounted
 *   from course_reviews after every statement that inserts or deletes reviews, and after a rating (or course)
 *   change. `refresh_course_ratings` locks the courses rows first (in id order: no deadlocks between statements
 *   touching several courses) and recounts second, in a new statement with a fresh snapshot: a concurrent
 *   writer of the same course has either committed (its review is counted) or waits for our lock and recounts
 *   after us. Under REPEATABLE READ the lock wait ends in a serialization failure instead of a stale count.
 * - course_reviews.helpful_count follows review_votes by ±1 per vote row; an UPDATE re-reads the latest row
 *   version under its lock, so concurrent votes all count.
 * - An index serving "most helpful first" per course.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    ALTER TABLE courses
      ADD COLUMN rating_distribution integer[] NOT NULL DEFAULT '{0,0,0,0,0}',
      ADD CONSTRAINT courses_rating_distribution_five_stars CHECK (cardinality(rating_distribution) = 5)
  `);
  await knex.raw(
    `COMMENT ON COLUMN courses.rating_distribution IS 'review counts per star, [1★ … 5★]; kept by trigger'`,
  );
  await knex.raw(
    `COMMENT ON COLUMN courses.rating_average IS 'mean review rating, 2 decimals (0 without reviews); kept by trigger'`,
  );
  await knex.raw(`COMMENT ON COLUMN courses.rating_count IS 'number of reviews; kept by trigger'`);

  await knex.raw(`
    CREATE FUNCTION refresh_course_ratings(course_ids uuid[]) RETURNS void
    LANGUAGE plpgsql AS $$
    BEGIN
      PERFORM 1 FROM courses WHERE id = ANY (course_ids) ORDER BY id FOR NO KEY UPDATE;
      UPDATE courses c
      SET rating_count = s.n,
          rating_average = CASE WHEN s.n = 0 THEN 0 ELSE round(s.total::numeric / s.n, 2) END,
          rating_distribution = s.distribution
      FROM (
        SELECT x.id,
               count(r.rating)::int AS n,
               coalesce(sum(r.rating), 0) AS total,
               ARRAY[count(*) FILTER (WHERE r.rating = 1), count(*) FILTER (WHERE r.rating = 2),
                     count(*) FILTER (WHERE r.rating = 3), count(*) FILTER (WHERE r.rating = 4),
                     count(*) FILTER (WHERE r.rating = 5)]::int[] AS distribution
        FROM (SELECT DISTINCT unnest(course_ids) AS id) x
        LEFT JOIN course_reviews r ON r.course_id = x.id
        GROUP BY x.id
      ) s
      WHERE c.id = s.id;
    END
    $$
  `);

  // Statement-level with transition tables: a bulk insert (seeding) recounts each course once, not per row.
  await knex.raw(`
    CREATE FUNCTION course_reviews_refresh_ratings() RETURNS trigger
    LANGUAGE plpgsql AS $$
    BEGIN
      IF TG_OP = 'INSERT' THEN
        PERFORM refresh_course_ratings(ARRAY(SELECT DISTINCT course_id FROM new_reviews));
      ELSIF TG_OP = 'DELETE' THEN
        PERFORM refresh_course_ratings(ARRAY(SELECT DISTINCT course_id FROM old_reviews));
      ELSE
        PERFORM refresh_course_ratings(ARRAY[OLD.course_id, NEW.course_id]);
      END IF;
      RETURN NULL;
    END
    $$
  `);
  await knex.raw(`
    CREATE TRIGGER course_reviews_ratings_insert AFTER INSERT ON course_reviews
    REFERENCING NEW TABLE AS new_reviews
    FOR EACH STATEMENT EXECUTE FUNCTION course_reviews_refresh_ratings()
  `);
  await knex.raw(`
    CREATE TRIGGER course_reviews_ratings_delete AFTER DELETE ON course_reviews
    REFERENCING OLD TABLE AS old_reviews
    FOR EACH STATEMENT EXECUTE FUNCTION course_reviews_refresh_ratings()
  `);
  // Row-level and column-guarded, so helpful votes (which update helpful_count) never touch the course.
  await knex.raw(`
    CREATE TRIGGER course_reviews_ratings_update AFTER UPDATE OF rating, course_id ON course_reviews
    FOR EACH ROW WHEN (OLD.rating IS DISTINCT FROM NEW.rating OR OLD.course_id IS DISTINCT FROM NEW.course_id)
    EXECUTE FUNCTION course_reviews_refresh_ratings()
  `);

  await knex.raw(`
    CREATE FUNCTION review_votes_count_helpful() RETURNS trigger
    LANGUAGE plpgsql AS $$
    BEGIN
      IF TG_OP = 'INSERT' THEN
        UPDATE course_reviews SET helpful_count = helpful_count + 1 WHERE id = NEW.review_id;
      ELSE
        UPDATE course_reviews SET helpful_count = helpful_count - 1 WHERE id = OLD.review_id;
      END IF;
      RETURN NULL;
    END
    $$
  `);
  await knex.raw(`
    CREATE TRIGGER review_votes_helpful_count AFTER INSERT OR DELETE ON review_votes
    FOR EACH ROW EXECUTE FUNCTION review_votes_count_helpful()
  `);

  // Bring existing rows in line (a no-op on a fresh database).
  await knex.raw('SELECT refresh_course_ratings(ARRAY(SELECT DISTINCT course_id FROM course_reviews))');
  await knex.raw(`
    UPDATE course_reviews r SET helpful_count = (SELECT count(*) FROM review_votes v WHERE v.review_id = r.id)
    WHERE helpful_count <> (SELECT count(*) FROM review_votes v WHERE v.review_id = r.id)
  `);

  await knex.raw(
    'CREATE INDEX idx_reviews_course_helpful ON course_reviews (course_id, helpful_count DESC, created_at DESC, id DESC)',
  );
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('DROP INDEX idx_reviews_course_helpful');
  await knex.raw('DROP TRIGGER review_votes_helpful_count ON review_votes');
  await knex.raw('DROP FUNCTION review_votes_count_helpful()');
  await knex.raw('DROP TRIGGER course_reviews_ratings_update ON course_reviews');
  await knex.raw('DROP TRIGGER course_reviews_ratings_delete ON course_reviews');
  await knex.raw('DROP TRIGGER course_reviews_ratings_insert ON course_reviews');
  await knex.raw('DROP FUNCTION course_reviews_refresh_ratings()');
  await knex.raw('DROP FUNCTION refresh_course_ratings(uuid[])');
  await knex.raw(
    'ALTER TABLE courses DROP CONSTRAINT courses_rating_distribution_five_stars, DROP COLUMN rating_distribution',
  );
}
