import type { Knex } from 'knex';

/**
 * A checkout attempt is a pending transaction row, written when the buyer starts checkout (DESIGN §9:
 * pending → completed | failed). That row is what makes an attempt addressable before Stripe knows about it:
 * - `stripe_checkout_session_id` becomes nullable: the row exists before the Checkout Session is created;
 *   the checkout workflow fills it in (still unique once set);
 * - `checkout_workflow_id` becomes unique: one row per checkout workflow (buyer + course + attempt);
 * - at most one pending attempt per buyer and course, so a double click or a retry lands on the open
 *   attempt instead of opening a second payable session;
 * - `failure_reason` says why an attempt ended without a sale (expired, payment_failed, superseded,
 *   checkout_error); only failed rows carry one.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('transactions', (t) => {
    t.string('stripe_checkout_session_id', 255).nullable().alter();
    t.string('failure_reason', 50).nullable();
    t.dropIndex(['checkout_workflow_id'], 'idx_transactions_checkout_workflow');
    t.unique(['checkout_workflow_id'], { indexName: 'idx_transactions_checkout_workflow' });
    t.check("failure_reason IS NULL OR status = 'failed'", [], 'transactions_failure_reason_only_when_failed');
  });
  await knex.raw(
    "CREATE UNIQUE INDEX idx_transactions_open_checkout ON transactions (buyer_id, course_id) WHERE status = 'pending'",
  );
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('DROP INDEX IF EXISTS idx_transactions_open_checkout');
  await knex.schema.alterTable('transactions', (t) => {
    t.dropChecks(['transactions_failure_reason_only_when_failed']);
    t.dropUnique(['checkout_workflow_id'], 'idx_transactions_checkout_workflow');
    t.index(['checkout_workflow_id'], 'idx_transactions_checkout_workflow');
    t.dropColumn('failure_reason');
  });
  // Rows without a session (attempts that never reached Stripe) cannot satisfy NOT NULL again.
  await knex('transactions').whereNull('stripe_checkout_session_id').delete();
  await knex.schema.alterTable('transactions', (t) => {
    t.string('stripe_checkout_session_id', 255).notNullable().alter();
  });
}
