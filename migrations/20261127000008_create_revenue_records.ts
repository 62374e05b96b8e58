import type { Knex } from 'knex';

/**
 * revenue_records (spec MKT-012): the instructor's share of one sale, in integer cents.
 * instructor_amount_cents + platform_amount_cents = transaction.amount_net_cents (enforced by the code that
 * writes both, from src/domain/money.ts).
 * status (DESIGN §9): held → payable → paid; held/payable → cancelled (refund);
 * held/payable → frozen (dispute) → payable (won) | cancelled (lost).
 * release_at: when the escrow hold ends (payment completed + hold); the spec's escrow_release_date.
 * payout_id: the payout this share is (being) paid in; cleared again if that payout fails.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('revenue_records', (t) => {
    t.uuid('id').primary().defaultTo(knex.raw('gen_random_uuid()'));
    t.uuid('transaction_id').notNullable().references('id').inTable('transactions').onDelete('RESTRICT');
    t.uuid('instructor_id').notNullable().references('id').inTable('users').onDelete('RESTRICT');
    t.integer('instructor_amount_cents').notNullable().comment('70% of net, rounded half up, cents');
    t.integer('platform_amount_cents').notNullable().comment('net − instructor share, cents');
    t.enu('status', ['held', 'payable', 'paid', 'cancelled', 'frozen'], {
      useNative: true,
      enumName: 'revenue_record_status',
    })
      .notNullable()
      .defaultTo('held');
    t.timestamp('release_at', { useTz: true }).notNullable().comment('end of the escrow hold');
    t.timestamp('released_at', { useTz: true }).nullable();
    t.timestamp('cancelled_at', { useTz: true }).nullable();
    t.uuid('payout_id').nullable().references('id').inTable('instructor_payouts').onDelete('RESTRICT');
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());

    t.unique(['transaction_id'], { indexName: 'idx_revenue_transaction' });
    t.index(['instructor_id', 'release_at'], 'idx_revenue_instructor_escrow');
    t.index(['payout_id'], 'idx_revenue_payout');
    t.index(['status', 'instructor_id'], 'idx_revenue_status_instructor');
    t.index(['status', 'release_at'], 'idx_revenue_status_release');

    t.check('instructor_amount_cents >= 0', [], 'revenue_records_instructor_amount_nonnegative');
    t.check('platform_amount_cents >= 0', [], 'revenue_records_platform_amount_nonnegative');
    t.check("status <> 'paid' OR payout_id IS NOT NULL", [], 'revenue_records_paid_has_payout');
    t.check("status <> 'cancelled' OR cancelled_at IS NOT NULL", [], 'revenue_records_cancelled_at_check');
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('revenue_records');
  await knex.raw('DROP TYPE IF EXISTS revenue_record_status');
}
