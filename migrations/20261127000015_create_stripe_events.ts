import type { Knex } from 'knex';

/**
 * stripe_events: the webhook inbox. Each verified Stripe event is recorded once (its id is the primary key)
 * before it is handed to a workflow; a redelivered event hits the key and is acknowledged without effect.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('stripe_events', (t) => {
    t.string('id', 255).primary().comment('Stripe event id (evt_...)');
    t.string('type', 255).notNullable();
    t.jsonb('payload').notNullable();
    t.timestamp('received_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('handled_at', { useTz: true }).nullable();
    t.string('workflow_id', 255).nullable().comment('the workflow the event was delivered to');

    t.index(['type', 'received_at'], 'idx_stripe_events_type_time');
  });
  await knex.raw('CREATE INDEX idx_stripe_events_unhandled ON stripe_events (received_at) WHERE handled_at IS NULL');
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('stripe_events');
}
