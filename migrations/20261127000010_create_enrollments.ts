import type { Knex } from 'knex';

/**
 * enrollments (spec MKT-021): a student's access to a course, granted by a transaction.
 * status: active → revoked (refund, lost dispute) with revoked_at. One enrollment row per (course, student):
 * buying again after a refund re-activates the same row (new transaction_id).
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('enrollments', (t) => {
    t.uuid('id').primary().defaultTo(knex.raw('gen_random_uuid()'));
    t.uuid('course_id').notNullable().references('id').inTable('courses').onDelete('CASCADE');
    t.uuid('student_id').notNullable().references('id').inTable('users').onDelete('RESTRICT');
    t.uuid('transaction_id').notNullable().references('id').inTable('transactions').onDelete('RESTRICT');
    t.enu('status', ['active', 'revoked'], { useNative: true, enumName: 'enrollment_status' })
      .notNullable()
      .defaultTo('active');
    t.timestamp('enrolled_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('last_accessed_at', { useTz: true }).nullable();
    t.timestamp('completed_at', { useTz: true }).nullable();
    t.timestamp('revoked_at', { useTz: true }).nullable();
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());

    t.unique(['course_id', 'student_id'], { indexName: 'idx_enrollments_unique' });
    t.index(['transaction_id'], 'idx_enrollments_transaction');

    t.check("status <> 'revoked' OR revoked_at IS NOT NULL", [], 'enrollments_revoked_at_check');
  });
  await knex.raw('CREATE INDEX idx_enrollments_student_time ON enrollments (student_id, enrolled_at DESC)');
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('enrollments');
  await knex.raw('DROP TYPE IF EXISTS enrollment_status');
}
