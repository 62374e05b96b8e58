import type { Knex } from 'knex';

/**
 * What instructor payouts need beyond the base schema:
 * - users.connect_status_at: Stripe creation time of the `account.updated` event the two connect_* flags come
 *   from. Stripe does not deliver events in order; an older event never overwrites a newer state.
 * - instructor_payouts.stripe_destination_account: the Connect account the transfer goes to, captured when the
 *   payout is created, so a retry after a crash sends the money where the payout row says.
 * - instructor_bank_payouts: the connected account's own payouts (its Stripe balance → its bank), reported by
 *   connected-account `payout.paid` / `payout.failed` webhooks. One Stripe payout may carry several of our
 *   transfers (or part of one), so these are recorded per Stripe payout, not per instructor_payouts row.
 * - idx_revenue_unpaid_payable: the monthly run's scan (payable shares not yet in a payout, by instructor)
 *   becomes an index-only range scan.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('users', (t) => {
    t.timestamp('connect_status_at', { useTz: true })
      .nullable()
      .comment('created time of the account.updated event applied last');
  });

  await knex.schema.alterTable('instructor_payouts', (t) => {
    t.string('stripe_destination_account', 255).nullable().comment('acct_… the transfer is sent to');
  });

  await knex.schema.createTable('instructor_bank_payouts', (t) => {
    t.uuid('id').primary().defaultTo(knex.raw('gen_random_uuid()'));
    t.uuid('instructor_id').notNullable().references('id').inTable('users').onDelete('RESTRICT');
    t.string('stripe_payout_id', 255).notNullable().comment('po_… on the connected account');
    t.string('stripe_account_id', 255).notNullable();
    t.integer('amount_cents').notNullable();
    t.string('currency', 3).notNullable();
    t.string('status', 20).notNullable();
    t.timestamp('arrival_date', { useTz: true }).nullable();
    t.string('failure_code', 255).nullable();
    t.text('failure_message').nullable();
    t.timestamp('event_created_at', { useTz: true }).notNullable().comment('created time of the event applied last');
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());

    t.unique(['stripe_payout_id'], { indexName: 'idx_bank_payouts_stripe' });
    t.index(['instructor_id', 'created_at'], 'idx_bank_payouts_instructor_time');
    t.check("status IN ('paid', 'failed')", [], 'instructor_bank_payouts_status');
    t.check('amount_cents >= 0', [], 'instructor_bank_payouts_amount_nonnegative');
  });

  await knex.raw(`
    CREATE INDEX idx_revenue_unpaid_payable ON revenue_records (instructor_id) INCLUDE (instructor_amount_cents)
    WHERE status = 'payable' AND payout_id IS NULL
  `);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('DROP INDEX IF EXISTS idx_revenue_unpaid_payable');
  await knex.schema.dropTable('instructor_bank_payouts');
  await knex.schema.alterTable('instructor_payouts', (t) => t.dropColumn('stripe_destination_account'));
  await knex.schema.alterTable('users', (t) => t.dropColumn('connect_status_at'));
}
