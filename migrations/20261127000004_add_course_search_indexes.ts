import type { Knex } from 'knex';

/**
 * Full-text search and filter indexes on courses (spec MKT-008).
 * search_vector is a stored generated column (title weight A, description weight B) with a GIN index, so
 * queries use `search_vector @@ websearch_to_tsquery('english', ?)` and `ts_rank(search_vector, ...)`.
 * (Not CONCURRENTLY: knex runs each migration in a transaction; the table is new and empty here.)
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    ALTER TABLE courses ADD COLUMN search_vector tsvector GENERATED ALWAYS AS (
      setweight(to_tsvector('english', coalesce(title, '')), 'A') ||
      setweight(to_tsvector('english', coalesce(description, '')), 'B')
    ) STORED
  `);
  await knex.raw('CREATE INDEX idx_courses_fulltext_search ON courses USING GIN (search_vector)');
  await knex.raw('CREATE INDEX idx_courses_filters ON courses (category, difficulty_level, price_cents)');
  await knex.raw('CREATE INDEX idx_courses_published_sort ON courses (status, published_at DESC)');
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('DROP INDEX IF EXISTS idx_courses_published_sort');
  await knex.raw('DROP INDEX IF EXISTS idx_courses_filters');
  await knex.raw('DROP INDEX IF EXISTS idx_courses_fulltext_search');
  await knex.raw('ALTER TABLE courses DROP COLUMN IF EXISTS search_vector');
}
