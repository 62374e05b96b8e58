import type { Knex } from 'knex';

/**
 * courses (spec MKT-001), money in integer cents.
 * - one_time courses carry price_cents (900..49900 = $9.00..$499.00);
 *   subscription courses carry subscription_price_cents (499..4999 = $4.99..$49.99).
 * - rating_average / rating_count / enrollment_count are denormalized and kept up to date by the application.
 * - deleted_at: soft delete (status `archived` is the visible state; rows are never hard-deleted by the app).
 * The full-text search column and the filter indexes are added by the next-but-one migration (spec MKT-008).
 */
const CATEGORIES = [
  'data_science',
  'web_development',
  'mobile_development',
  'design',
  'business',
  'marketing',
  'personal_development',
  'health',
  'music',
  'photography',
  'teaching',
  'other',
];

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('courses', (t) => {
    t.uuid('id').primary().defaultTo(knex.raw('gen_random_uuid()'));
    t.uuid('instructor_id').notNullable().references('id').inTable('users').onDelete('CASCADE');
    t.string('title', 255).notNullable();
    t.text('description').notNullable();
    t.enu('category', CATEGORIES, { useNative: true, enumName: 'course_category' }).notNullable();
    t.enu('difficulty_level', ['beginner', 'intermediate', 'advanced'], {
      useNative: true,
      enumName: 'course_difficulty_level',
    }).notNullable();
    t.enu('pricing_model', ['one_time', 'subscription'], {
      useNative: true,
      enumName: 'course_pricing_model',
    }).notNullable();
    t.integer('price_cents').nullable().comment('one-time price in US cents (900..49900)');
    t.integer('subscription_price_cents').nullable().comment('monthly price in US cents (499..4999)');
    t.enu('status', ['draft', 'under_review', 'published', 'archived'], {
      useNative: true,
      enumName: 'course_status',
    })
      .notNullable()
      .defaultTo('draft');
    t.string('thumbnail_url', 500).nullable();
    t.string('thumbnail_key', 1024).nullable().comment('S3 object key of the course thumbnail');
    t.integer('total_duration_minutes').notNullable().defaultTo(0);
    t.decimal('rating_average', 3, 2).notNullable().defaultTo(0).comment('denormalized, kept by the app');
    t.integer('rating_count').notNullable().defaultTo(0).comment('denormalized, kept by the app');
    t.integer('enrollment_count').notNullable().defaultTo(0).comment('denormalized, kept by the app');
    t.timestamp('published_at', { useTz: true }).nullable();
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('deleted_at', { useTz: true }).nullable();

    t.index(['instructor_id', 'status'], 'idx_courses_instructor_status');
    t.index(['category', 'status', 'published_at'], 'idx_courses_category_status_date');
    t.index(['price_cents'], 'idx_courses_price');

    t.check(
      "(pricing_model = 'one_time' AND price_cents IS NOT NULL) OR " +
        "(pricing_model = 'subscription' AND subscription_price_cents IS NOT NULL)",
      [],
      'courses_pricing_model_price_check',
    );
    t.check('price_cents BETWEEN 900 AND 49900', [], 'courses_price_cents_range');
    t.check('subscription_price_cents BETWEEN 499 AND 4999', [], 'courses_subscription_price_cents_range');
    t.check("status <> 'published' OR published_at IS NOT NULL", [], 'courses_published_at_check');
    t.check('total_duration_minutes >= 0', [], 'courses_total_duration_nonnegative');
    t.check('rating_average BETWEEN 0 AND 5', [], 'courses_rating_average_range');
    t.check('rating_count >= 0 AND enrollment_count >= 0', [], 'courses_counts_nonnegative');
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('courses');
  await knex.raw('DROP TYPE IF EXISTS course_category');
  await knex.raw('DROP TYPE IF EXISTS course_difficulty_level');
  await knex.raw('DROP TYPE IF EXISTS course_pricing_model');
  await knex.raw('DROP TYPE IF EXISTS course_status');
}
