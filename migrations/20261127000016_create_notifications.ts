import type { Knex } from 'knex';

/**
 * notifications: the e-mail outbox. Rows are written in the same DB transaction as the business change;
 * a mailer activity delivers them (sent_at). dedupe_key (e.g. 'purchase-receipt:<transaction id>') makes a
 * retried writer insert the row once (`ON CONFLICT (dedupe_key) DO NOTHING`).
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('notifications', (t) => {
    t.uuid('id').primary().defaultTo(knex.raw('gen_random_uuid()'));
    t.uuid('user_id').notNullable().references('id').inTable('users').onDelete('CASCADE');
    t.string('kind', 100).notNullable();
    t.jsonb('payload').notNullable().defaultTo(knex.raw("'{}'::jsonb"));
    t.text('dedupe_key').notNullable();
    t.integer('attempts').notNullable().defaultTo(0);
    t.text('last_error').nullable();
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('sent_at', { useTz: true }).nullable();

    t.unique(['dedupe_key'], { indexName: 'idx_notifications_dedupe_key' });
    t.index(['user_id', 'created_at'], 'idx_notifications_user_time');

    t.check('attempts >= 0', [], 'notifications_attempts_nonnegative');
  });
  await knex.raw('CREATE INDEX idx_notifications_unsent ON notifications (created_at) WHERE sent_at IS NULL');
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('notifications');
}
