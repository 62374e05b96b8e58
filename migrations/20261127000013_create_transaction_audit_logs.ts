import type { Knex } from 'knex';

/**
 * transaction_audit_logs (spec MKT-032): append-only financial audit trail (7-year retention).
 * actor_id NULL = a system action (workflow, webhook, schedule). A trigger rejects UPDATE, DELETE and
 * TRUNCATE, so rows can only ever be inserted.
 */
const ACTIONS = [
  'purchase',
  'refund_requested',
  'refund_processed',
  'payout_initiated',
  'payout_completed',
  'payout_failed',
  'coupon_applied',
  'dispute_opened',
  'dispute_closed',
];

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('transaction_audit_logs', (t) => {
    t.uuid('id').primary().defaultTo(knex.raw('gen_random_uuid()'));
    t.uuid('transaction_id').nullable().references('id').inTable('transactions').onDelete('RESTRICT');
    t.uuid('payout_id').nullable().references('id').inTable('instructor_payouts').onDelete('RESTRICT');
    t.enu('action', ACTIONS, { useNative: true, enumName: 'audit_action' }).notNullable();
    t.uuid('actor_id').nullable().references('id').inTable('users').onDelete('RESTRICT');
    t.jsonb('metadata').notNullable().defaultTo(knex.raw("'{}'::jsonb"));
    t.specificType('ip_address', 'inet').nullable();
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());

    t.index(['transaction_id', 'created_at'], 'idx_audit_logs_transaction_time');
    t.index(['action', 'created_at'], 'idx_audit_logs_action_time');
    t.index(['payout_id'], 'idx_audit_logs_payout');
    t.index(['actor_id'], 'idx_audit_logs_actor');
  });

  await knex.raw(`
    CREATE FUNCTION transaction_audit_logs_append_only() RETURNS trigger
    LANGUAGE plpgsql AS $$
    BEGIN
      RAISE EXCEPTION 'transaction_audit_logs is append-only: % is not allowed', TG_OP
        USING ERRCODE = 'restrict_violation';
    END;
    $$
  `);
  await knex.raw(`
    CREATE TRIGGER transaction_audit_logs_no_update_delete
    BEFORE UPDATE OR DELETE ON transaction_audit_logs
    FOR EACH ROW EXECUTE FUNCTION transaction_audit_logs_append_only()
  `);
  await knex.raw(`
    CREATE TRIGGER transaction_audit_logs_no_truncate
    BEFORE TRUNCATE ON transaction_audit_logs
    FOR EACH STATEMENT EXECUTE FUNCTION transaction_audit_logs_append_only()
  `);
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('transaction_audit_logs');
  await knex.raw('DROP FUNCTION IF EXISTS transaction_audit_logs_append_only()');
  await knex.raw('DROP TYPE IF EXISTS audit_action');
}
