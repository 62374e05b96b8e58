import type { Knex } from 'knex';

/**
 * What the two upload paths (DESIGN §4, spec MKT-005) need on a lesson:
 * - video_upload_id: the S3 multipart upload of a direct-to-S3 upload that has not been completed yet
 *   (the client PUTs the parts to presigned URLs); cleared on completion.
 * - video_size_bytes: size of the uploaded original (≤ 5 GiB).
 * - video_key unique: one original belongs to one lesson, so deleting a lesson can delete its objects safely.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('course_lessons', (t) => {
    t.string('video_upload_id', 1024).nullable().comment('S3 multipart upload id of a direct upload in progress');
    t.bigInteger('video_size_bytes').nullable();
    t.unique(['video_key'], { indexName: 'idx_lessons_video_key' });
    t.check('video_size_bytes > 0 AND video_size_bytes <= 5368709120', [], 'course_lessons_video_size_range');
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('course_lessons', (t) => {
    t.dropChecks(['course_lessons_video_size_range']);
    t.dropUnique(['video_key'], 'idx_lessons_video_key');
    t.dropColumn('video_size_bytes');
    t.dropColumn('video_upload_id');
  });
}
