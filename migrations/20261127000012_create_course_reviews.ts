import type { Knex } from 'knex';

/**
 * course_reviews (spec MKT-025): one review per student per course, from a verified purchase (enrollment).
 * helpful_count is denormalized from review_votes (one "helpful" vote per user per review).
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('course_reviews', (t) => {
    t.uuid('id').primary().defaultTo(knex.raw('gen_random_uuid()'));
    t.uuid('course_id').notNullable().references('id').inTable('courses').onDelete('CASCADE');
    t.uuid('reviewer_id').notNullable().references('id').inTable('users').onDelete('RESTRICT');
    t.uuid('enrollment_id').notNullable().references('id').inTable('enrollments').onDelete('RESTRICT');
    t.integer('rating').notNullable();
    t.text('review_text').nullable();
    t.integer('helpful_count').notNullable().defaultTo(0);
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());

    t.unique(['course_id', 'reviewer_id'], { indexName: 'idx_reviews_unique' });
    t.index(['reviewer_id'], 'idx_reviews_reviewer');
    t.index(['course_id', 'rating'], 'idx_reviews_course_rating');
    t.index(['enrollment_id'], 'idx_reviews_enrollment');

    t.check('rating >= 1 AND rating <= 5', [], 'course_reviews_rating_range');
    t.check('char_length(review_text) <= 500', [], 'course_reviews_text_length');
    t.check('helpful_count >= 0', [], 'course_reviews_helpful_count_nonnegative');
  });
  await knex.raw('CREATE INDEX idx_reviews_course_time ON course_reviews (course_id, created_at DESC)');

  await knex.schema.createTable('review_votes', (t) => {
    t.uuid('id').primary().defaultTo(knex.raw('gen_random_uuid()'));
    t.uuid('review_id').notNullable().references('id').inTable('course_reviews').onDelete('CASCADE');
    t.uuid('user_id').notNullable().references('id').inTable('users').onDelete('CASCADE');
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());

    t.unique(['review_id', 'user_id'], { indexName: 'idx_review_votes_unique' });
    t.index(['user_id'], 'idx_review_votes_user');
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('review_votes');
  await knex.schema.dropTable('course_reviews');
}
