import type { Knex } from 'knex';

/**
 * idempotency_keys: `Idempotency-Key` request headers, shared by every API instance.
 * A row is claimed (insert) before the work; response_status NULL = still in progress. A replay with the
 * same key and the same request_hash gets the stored response; a different request_hash is a conflict.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('idempotency_keys', (t) => {
    t.text('scope').notNullable().comment("the operation, e.g. 'checkout.create'");
    t.uuid('user_id').notNullable().references('id').inTable('users').onDelete('CASCADE');
    t.text('key').notNullable();
    t.text('request_hash').notNullable();
    t.integer('response_status').nullable().comment('NULL while the first request is in progress');
    t.jsonb('response_body').nullable();
    t.text('resource_id').nullable().comment('id of what the request created (transaction, workflow, ...)');
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('expires_at', { useTz: true }).notNullable();

    t.primary(['scope', 'user_id', 'key'], { constraintName: 'idempotency_keys_pkey' });
    t.index(['expires_at'], 'idx_idempotency_keys_expiry');
    t.index(['user_id'], 'idx_idempotency_keys_user');

    t.check('char_length(key) BETWEEN 1 AND 255', [], 'idempotency_keys_key_length');
    t.check('response_status BETWEEN 100 AND 599', [], 'idempotency_keys_response_status_range');
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('idempotency_keys');
}
