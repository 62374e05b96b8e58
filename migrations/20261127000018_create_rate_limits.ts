import type { Knex } from 'knex';

/**
 * rate_limits: request counters shared by every API instance (rate-limiter-flexible's Postgres store;
 * its layout). A row is reset in place when its window has expired.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('rate_limits', (t) => {
    t.string('key', 255).primary();
    t.integer('points').notNullable().defaultTo(0);
    t.bigInteger('expire').nullable().comment('window end, ms since epoch');
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('rate_limits');
}
