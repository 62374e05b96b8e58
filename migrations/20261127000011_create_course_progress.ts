import type { Knex } from 'knex';

/** course_progress (spec MKT-022): playback position and completion per enrollment and lesson. */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('course_progress', (t) => {
    t.uuid('id').primary().defaultTo(knex.raw('gen_random_uuid()'));
    t.uuid('enrollment_id').notNullable().references('id').inTable('enrollments').onDelete('CASCADE');
    t.uuid('lesson_id').notNullable().references('id').inTable('course_lessons').onDelete('CASCADE');
    t.integer('progress_seconds').notNullable().defaultTo(0).comment('current playback position');
    t.boolean('completed').notNullable().defaultTo(false).comment('watched at least 90% of the video');
    t.timestamp('last_watched_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());

    t.unique(['enrollment_id', 'lesson_id'], { indexName: 'idx_progress_enrollment_lesson' });
    t.index(['enrollment_id', 'completed'], 'idx_progress_completion');
    t.index(['lesson_id'], 'idx_progress_lesson');

    t.check('progress_seconds >= 0', [], 'course_progress_progress_seconds_nonnegative');
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('course_progress');
}
