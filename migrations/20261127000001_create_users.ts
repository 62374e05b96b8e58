import type { Knex } from 'knex';

/**
 * users: students, instructors and admins.
 * - email is `citext`, so uniqueness and look-ups (`where email = ?`) are case-insensitive without the
 *   application having to remember `lower()`.
 * - stripe_connect_account_id: the instructor's Stripe Connect Express account (acct_...), once onboarded;
 *   the two flags mirror the account's capabilities (`account.updated` webhook).
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw('CREATE EXTENSION IF NOT EXISTS citext');

  await knex.schema.createTable('users', (t) => {
    t.uuid('id').primary().defaultTo(knex.raw('gen_random_uuid()'));
    t.specificType('email', 'citext').notNullable();
    t.text('password_hash').notNullable();
    t.string('name', 255).notNullable();
    t.enu('role', ['student', 'instructor', 'admin'], { useNative: true, enumName: 'user_role' })
      .notNullable()
      .defaultTo('student');
    t.string('stripe_connect_account_id', 255).nullable();
    t.boolean('connect_transfers_enabled').notNullable().defaultTo(false);
    t.boolean('connect_payouts_enabled').notNullable().defaultTo(false);
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());

    t.unique(['email'], { indexName: 'users_email_unique' });
    t.unique(['stripe_connect_account_id'], { indexName: 'users_stripe_connect_account_unique' });
    t.index(['role'], 'idx_users_role');
    t.check("char_length(email) BETWEEN 3 AND 320 AND email LIKE '%_@_%'", [], 'users_email_format');
    t.check('char_length(btrim(name)) > 0', [], 'users_name_not_blank');
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('users');
  await knex.raw('DROP TYPE IF EXISTS user_role');
  await knex.raw('DROP EXTENSION IF EXISTS citext');
}
