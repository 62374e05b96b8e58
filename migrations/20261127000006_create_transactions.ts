import type { Knex } from 'knex';

/**
 * transactions (spec MKT-011), money in integer cents.
 * net = gross − discount (what the buyer pays, tax excluded); tax_cents is collected for the state, not revenue.
 * status: pending → completed → refunded; pending → failed (DESIGN §9).
 * stripe_payment_intent_id is set when the payment completes (unique, several NULLs allowed while pending).
 * Foreign keys are RESTRICT: the transaction history is preserved.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('transactions', (t) => {
    t.uuid('id').primary().defaultTo(knex.raw('gen_random_uuid()'));
    t.uuid('course_id').notNullable().references('id').inTable('courses').onDelete('RESTRICT');
    t.uuid('buyer_id').notNullable().references('id').inTable('users').onDelete('RESTRICT');
    t.uuid('coupon_id').nullable().references('id').inTable('coupons').onDelete('RESTRICT');
    t.string('stripe_checkout_session_id', 255).notNullable();
    t.string('stripe_payment_intent_id', 255).nullable();
    t.string('stripe_charge_id', 255).nullable();
    t.string('checkout_workflow_id', 255).nullable();
    t.string('currency', 3).notNullable().defaultTo('usd');
    t.integer('amount_gross_cents').notNullable().comment('course price at purchase, cents');
    t.integer('amount_discount_cents').notNullable().defaultTo(0).comment('coupon discount, cents');
    t.integer('amount_net_cents').notNullable().comment('gross − discount, cents (tax excluded)');
    t.integer('tax_cents').notNullable().defaultTo(0).comment('sales tax collected (Stripe Tax), cents');
    t.integer('stripe_fee_cents').nullable().comment('2.9% + 30c of the amount charged; set on completion');
    t.enu('status', ['pending', 'completed', 'failed', 'refunded'], {
      useNative: true,
      enumName: 'transaction_status',
    })
      .notNullable()
      .defaultTo('pending');
    t.string('payment_method', 50).nullable();
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('completed_at', { useTz: true }).nullable();
    t.timestamp('refunded_at', { useTz: true }).nullable();

    t.unique(['stripe_checkout_session_id'], { indexName: 'idx_transactions_checkout_session' });
    t.unique(['stripe_payment_intent_id'], { indexName: 'idx_transactions_stripe' });
    t.index(['course_id', 'status'], 'idx_transactions_course_status');
    t.index(['status', 'created_at'], 'idx_transactions_status_time');
    t.index(['coupon_id'], 'idx_transactions_coupon');
    t.index(['stripe_charge_id'], 'idx_transactions_charge');
    t.index(['checkout_workflow_id'], 'idx_transactions_checkout_workflow');

    t.check('amount_gross_cents > 0', [], 'transactions_amount_gross_positive');
    t.check('amount_discount_cents >= 0', [], 'transactions_amount_discount_nonnegative');
    t.check('amount_net_cents > 0', [], 'transactions_amount_net_positive');
    t.check(
      'amount_net_cents = amount_gross_cents - amount_discount_cents',
      [],
      'transactions_amount_net_equals_gross_minus_discount',
    );
    t.check('tax_cents >= 0', [], 'transactions_tax_nonnegative');
    t.check('stripe_fee_cents >= 0', [], 'transactions_stripe_fee_nonnegative');
    t.check("currency ~ '^[a-z]{3}$'", [], 'transactions_currency_format');
    t.check(
      "status NOT IN ('completed', 'refunded') OR (completed_at IS NOT NULL AND stripe_fee_cents IS NOT NULL)",
      [],
      'transactions_completed_fields',
    );
    t.check("status <> 'refunded' OR refunded_at IS NOT NULL", [], 'transactions_refunded_at_check');
  });
  await knex.raw('CREATE INDEX idx_transactions_buyer_time ON transactions (buyer_id, created_at DESC)');
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('transactions');
  await knex.raw('DROP TYPE IF EXISTS transaction_status');
}
