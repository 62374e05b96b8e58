import type { Knex } from 'knex';

/**
 * transactions.client_ip: the address the buyer opened the checkout from (the client behind the proxy, see
 * TRUST_PROXY). The sale is recorded later by a worker, from Stripe's webhook; its purchase audit rows take the
 * buyer's address from here (spec MKT-032 records the IP of the actor).
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('transactions', (t) => {
    t.specificType('client_ip', 'inet').nullable();
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('transactions', (t) => {
    t.dropColumn('client_ip');
  });
}
