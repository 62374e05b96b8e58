import type { Knex } from 'knex';

/**
 * course_lessons (spec MKT-002) plus the video-ingest state (DESIGN §9):
 * awaiting_upload → processing → ready | failed (with failure_reason).
 * - video_key: S3 key of the uploaded original (null until uploaded). Playback URLs are signed per request,
 *   so no URL is stored.
 * - video_duration_seconds: known once ffprobe ran (null before), > 0.
 * - renditions: [{ "height": 720, "key": "...", "bitrate_kbps": 2500 }, ...]; resource_urls as in the spec.
 * - (course_id, lesson_order) is unique DEFERRABLE INITIALLY IMMEDIATE: a bulk reorder runs
 *   `SET CONSTRAINTS idx_lessons_course_order DEFERRED` inside its transaction.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('course_lessons', (t) => {
    t.uuid('id').primary().defaultTo(knex.raw('gen_random_uuid()'));
    t.uuid('course_id').notNullable().references('id').inTable('courses').onDelete('CASCADE');
    t.string('title', 255).notNullable();
    t.text('description').nullable();
    t.integer('lesson_order').notNullable();
    t.boolean('is_preview').notNullable().defaultTo(false);
    t.jsonb('resource_urls').notNullable().defaultTo(knex.raw("'[]'::jsonb"));
    t.enu('video_status', ['awaiting_upload', 'processing', 'ready', 'failed'], {
      useNative: true,
      enumName: 'lesson_video_status',
    })
      .notNullable()
      .defaultTo('awaiting_upload');
    t.string('video_key', 1024).nullable().comment('S3 key of the uploaded original video');
    t.integer('video_duration_seconds').nullable();
    t.integer('processing_percent').notNullable().defaultTo(0);
    t.text('failure_reason').nullable();
    t.string('thumbnail_key', 1024).nullable();
    t.string('stream_manifest_key', 1024).nullable();
    t.jsonb('renditions').notNullable().defaultTo(knex.raw("'[]'::jsonb"));
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());

    t.unique(['course_id', 'lesson_order'], { indexName: 'idx_lessons_course_order', deferrable: 'immediate' });
    t.index(['course_id', 'is_preview'], 'idx_lessons_preview');
    t.index(['video_status'], 'idx_lessons_video_status');

    t.check('lesson_order > 0', [], 'course_lessons_lesson_order_positive');
    t.check('video_duration_seconds > 0', [], 'course_lessons_video_duration_positive');
    t.check('processing_percent BETWEEN 0 AND 100', [], 'course_lessons_processing_percent_range');
    t.check("jsonb_typeof(resource_urls) = 'array'", [], 'course_lessons_resource_urls_array');
    t.check("jsonb_typeof(renditions) = 'array'", [], 'course_lessons_renditions_array');
    t.check("video_status <> 'failed' OR failure_reason IS NOT NULL", [], 'course_lessons_failed_has_reason');
    t.check(
      "video_status <> 'ready' OR (video_key IS NOT NULL AND video_duration_seconds IS NOT NULL)",
      [],
      'course_lessons_ready_has_video',
    );
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('course_lessons');
  await knex.raw('DROP TYPE IF EXISTS lesson_video_status');
}
