import type { Knex } from 'knex';

/**
 * coupons (spec MKT-028). The discount has one column per unit, so no number is ever read in the wrong unit:
 * - discount_type = 'percentage'   → percent_off (whole percent 1..100), amount_off_cents NULL;
 * - discount_type = 'fixed_amount' → amount_off_cents (> 0, US cents),   percent_off NULL.
 * code is stored UPPERCASE (the app upper-cases input, so look-ups are case-insensitive) and is unique.
 * course_id NULL = valid for all of the creator's courses. max_uses NULL = unlimited.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('coupons', (t) => {
    t.uuid('id').primary().defaultTo(knex.raw('gen_random_uuid()'));
    t.string('code', 50).notNullable();
    t.uuid('creator_id').notNullable().references('id').inTable('users').onDelete('CASCADE');
    t.uuid('course_id').nullable().references('id').inTable('courses').onDelete('CASCADE');
    t.enu('discount_type', ['percentage', 'fixed_amount'], {
      useNative: true,
      enumName: 'coupon_discount_type',
    }).notNullable();
    t.integer('percent_off').nullable().comment('percentage coupons: whole percent, 1..100');
    t.integer('amount_off_cents').nullable().comment('fixed_amount coupons: US cents off, > 0');
    t.integer('max_uses').nullable().comment('NULL = unlimited');
    t.integer('current_uses').notNullable().defaultTo(0);
    t.timestamp('expires_at', { useTz: true }).nullable().comment('NULL = never expires');
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());

    t.unique(['code'], { indexName: 'idx_coupons_code' });
    t.index(['course_id'], 'idx_coupons_course');
    t.index(['expires_at'], 'idx_coupons_expiry');
    t.index(['creator_id'], 'idx_coupons_creator');

    t.check('code = upper(code) AND char_length(btrim(code)) > 0', [], 'coupons_code_uppercase');
    t.check(
      "(discount_type = 'percentage' AND percent_off BETWEEN 1 AND 100 AND amount_off_cents IS NULL) OR " +
        "(discount_type = 'fixed_amount' AND amount_off_cents > 0 AND percent_off IS NULL)",
      [],
      'coupons_discount_value_check',
    );
    t.check('max_uses >= 0', [], 'coupons_max_uses_nonnegative');
    t.check('current_uses >= 0', [], 'coupons_current_uses_nonnegative');
    t.check('max_uses IS NULL OR current_uses <= max_uses', [], 'coupons_uses_within_max');
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('coupons');
  await knex.raw('DROP TYPE IF EXISTS coupon_discount_type');
}
