import type { Knex } from 'knex';

/**
 * instructor_payouts (spec MKT-016), money in integer cents.
 * One payout per instructor per pay period; payout_period is the first day of the month ('YYYY-MM-01').
 * total_amount_cents = gross_cents (payable shares in this payout) − adjustments_cents (clawbacks applied),
 * at least 5000 ($50.00), never negative.
 * status: pending → processing → completed | failed (DESIGN §9).
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('instructor_payouts', (t) => {
    t.uuid('id').primary().defaultTo(knex.raw('gen_random_uuid()'));
    t.uuid('instructor_id').notNullable().references('id').inTable('users').onDelete('RESTRICT');
    t.date('payout_period').notNullable().comment("first day of the pay month, e.g. '2026-02-01'");
    t.integer('gross_cents').notNullable().comment('sum of the instructor shares included, cents');
    t.integer('adjustments_cents').notNullable().defaultTo(0).comment('sum of clawbacks deducted, cents');
    t.integer('total_amount_cents').notNullable().comment('amount transferred = gross − adjustments, cents');
    t.string('stripe_transfer_id', 255).nullable();
    t.enu('status', ['pending', 'processing', 'completed', 'failed'], {
      useNative: true,
      enumName: 'payout_status',
    })
      .notNullable()
      .defaultTo('pending');
    t.timestamp('initiated_at', { useTz: true }).nullable();
    t.timestamp('completed_at', { useTz: true }).nullable();
    t.text('failure_reason').nullable();
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());

    t.unique(['instructor_id', 'payout_period'], { indexName: 'idx_payouts_instructor_period' });
    t.unique(['stripe_transfer_id'], { indexName: 'idx_payouts_stripe' });
    t.index(['status', 'initiated_at'], 'idx_payouts_status_time');
    t.index(['payout_period'], 'idx_payouts_period');

    t.check('total_amount_cents >= 5000', [], 'instructor_payouts_minimum_amount');
    t.check('gross_cents >= 0 AND adjustments_cents >= 0', [], 'instructor_payouts_breakdown_nonnegative');
    t.check(
      'total_amount_cents = gross_cents - adjustments_cents',
      [],
      'instructor_payouts_total_equals_gross_minus_adjustments',
    );
    t.check('EXTRACT(DAY FROM payout_period) = 1', [], 'instructor_payouts_period_first_of_month');
    t.check(
      "status <> 'completed' OR (stripe_transfer_id IS NOT NULL AND completed_at IS NOT NULL)",
      [],
      'instructor_payouts_completed_fields',
    );
    t.check("status <> 'failed' OR failure_reason IS NOT NULL", [], 'instructor_payouts_failed_has_reason');
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('instructor_payouts');
  await knex.raw('DROP TYPE IF EXISTS payout_status');
}
