import type { Knex } from 'knex';

/**
 * notifications.next_attempt_at: when a notification whose delivery failed may be tried again (NULL: due now).
 * The relay records each failure (attempts, last_error, next_attempt_at) instead of rolling it back, so one
 * undeliverable mail no longer sits at the head of the outbox blocking every mail behind it.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('notifications', (t) => {
    t.timestamp('next_attempt_at', { useTz: true }).nullable().comment('after a failed delivery: not before this time');
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('notifications', (t) => t.dropColumn('next_attempt_at'));
}
