import type { Knex } from 'knex';

/**
 * certificates: one per completed enrollment. The id is the public certificate id (verification URL).
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('certificates', (t) => {
    t.uuid('id').primary().defaultTo(knex.raw('gen_random_uuid()'));
    t.uuid('enrollment_id').notNullable().references('id').inTable('enrollments').onDelete('RESTRICT');
    t.timestamp('issued_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());

    t.unique(['enrollment_id'], { indexName: 'idx_certificates_enrollment' });
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('certificates');
}
