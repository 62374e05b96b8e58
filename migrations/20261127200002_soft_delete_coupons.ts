import type { Knex } from 'knex';

/**
 * Deleting a coupon hides it and stops it from applying, but keeps the row: transactions reference the
 * coupons they used (ON DELETE RESTRICT) and the audit trail must keep resolving them. The code stays
 * reserved (the unique index is unchanged), so an old receipt's code never points at a different coupon.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('coupons', (t) => {
    t.timestamp('deleted_at', { useTz: true }).nullable();
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('coupons', (t) => {
    t.dropColumn('deleted_at');
  });
}
