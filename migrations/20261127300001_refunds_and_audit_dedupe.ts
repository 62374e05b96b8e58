import type { Knex } from 'knex';

/**
 * Refunds (DESIGN §4, spec MKT-013/014) and the audit trail they write.
 * - transactions.stripe_refund_id: the Stripe refund that returned the money (NULL for a refund decided by a
 *   lost dispute, where Stripe took the money back itself). Unique: one refund per charge.
 * - transaction_audit_logs.dedupe_key: lets a retried activity append its entry once
 *   (`ON CONFLICT (dedupe_key) DO NOTHING`); NULL for entries written exactly once by construction.
 * - audit_action 'refund_failed': a refund that was refused by Stripe (or could not reach it) and undone.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('transactions', (t) => {
    t.string('stripe_refund_id', 255).nullable();
    t.unique(['stripe_refund_id'], { indexName: 'idx_transactions_stripe_refund' });
  });
  await knex.schema.alterTable('transaction_audit_logs', (t) => {
    t.text('dedupe_key').nullable();
    t.unique(['dedupe_key'], { indexName: 'idx_audit_logs_dedupe_key' });
  });
  await knex.raw("ALTER TYPE audit_action ADD VALUE IF NOT EXISTS 'refund_failed'");
}

export async function down(knex: Knex): Promise<void> {
  // Postgres cannot drop an enum value: rebuild the type without it (fails, rightly, if an entry uses it —
  // audit rows are never deleted).
  await knex.raw('ALTER TYPE audit_action RENAME TO audit_action_old');
  await knex.raw(`CREATE TYPE audit_action AS ENUM (
    'purchase', 'refund_requested', 'refund_processed', 'payout_initiated', 'payout_completed',
    'payout_failed', 'coupon_applied', 'dispute_opened', 'dispute_closed')`);
  await knex.raw(
    'ALTER TABLE transaction_audit_logs ALTER COLUMN action TYPE audit_action USING action::text::audit_action',
  );
  await knex.raw('DROP TYPE audit_action_old');
  await knex.schema.alterTable('transaction_audit_logs', (t) => {
    t.dropUnique(['dedupe_key'], 'idx_audit_logs_dedupe_key');
    t.dropColumn('dedupe_key');
  });
  await knex.schema.alterTable('transactions', (t) => {
    t.dropUnique(['stripe_refund_id'], 'idx_transactions_stripe_refund');
    t.dropColumn('stripe_refund_id');
  });
}
