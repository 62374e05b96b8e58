import type { Knex } from 'knex';

/**
 * revenue_adjustments: clawbacks. When a sale whose instructor share was already paid out is refunded (or a
 * dispute is lost), the share becomes a negative adjustment (amount_cents > 0 is the amount to deduct)
 * that is deducted from the instructor's next payout; never a negative transfer.
 * status: outstanding → applied (payout_id = the payout it was deducted in; cleared if that payout fails).
 * At most one adjustment per revenue record.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('revenue_adjustments', (t) => {
    t.uuid('id').primary().defaultTo(knex.raw('gen_random_uuid()'));
    t.uuid('instructor_id').notNullable().references('id').inTable('users').onDelete('RESTRICT');
    t.uuid('revenue_record_id').notNullable().references('id').inTable('revenue_records').onDelete('RESTRICT');
    t.uuid('transaction_id').notNullable().references('id').inTable('transactions').onDelete('RESTRICT');
    t.integer('amount_cents').notNullable().comment('amount to deduct from future payouts, cents (> 0)');
    t.enu('status', ['outstanding', 'applied'], { useNative: true, enumName: 'revenue_adjustment_status' })
      .notNullable()
      .defaultTo('outstanding');
    t.uuid('payout_id').nullable().references('id').inTable('instructor_payouts').onDelete('RESTRICT');
    t.text('reason').notNullable();
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('applied_at', { useTz: true }).nullable();

    t.unique(['revenue_record_id'], { indexName: 'idx_adjustments_revenue_record' });
    t.index(['instructor_id', 'status'], 'idx_adjustments_instructor_status');
    t.index(['payout_id'], 'idx_adjustments_payout');
    t.index(['transaction_id'], 'idx_adjustments_transaction');

    t.check('amount_cents > 0', [], 'revenue_adjustments_amount_positive');
    t.check(
      "status <> 'applied' OR (payout_id IS NOT NULL AND applied_at IS NOT NULL)",
      [],
      'revenue_adjustments_applied_fields',
    );
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('revenue_adjustments');
  await knex.raw('DROP TYPE IF EXISTS revenue_adjustment_status');
}
