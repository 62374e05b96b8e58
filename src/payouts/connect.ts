/**
 * Stripe Connect for instructors: Express accounts (the platform keeps the funds and transfers each month),
 * onboarding links, and what Stripe reports about the accounts afterwards.
 */
import type { Knex } from 'knex';
import type Stripe from 'stripe';
import { frontendUrl, type Config } from '../config';
import type { Deps } from '../deps';
import { formatUsd } from '../domain/money';
import { enqueueNotification } from '../notifications/outbox';

export interface ConnectOnboarding {
  accountId: string;
  /** False when the account existed already (only a fresh link was made). */
  created: boolean;
  onboardingUrl: string;
  expiresAt: Date;
  transfersEnabled: boolean;
  payoutsEnabled: boolean;
}

function onboardingUrls(config: Config): { return_url: string; refresh_url: string } {
  return {
    return_url: config.CONNECT_RETURN_URL ?? frontendUrl(config, '/instructor/connect/return'),
    refresh_url: config.CONNECT_REFRESH_URL ?? frontendUrl(config, '/instructor/connect/refresh'),
  };
}

/**
 * Gives the instructor a Connect Express account — created once: the Stripe idempotency key is derived from
 * the instructor id, and the id is stored only if none is stored yet, so concurrent or repeated calls end up
 * with one account — and returns a fresh onboarding link (links are single-use and expire within minutes).
 */
export async function startConnectOnboarding(
  deps: Pick<Deps, 'knex' | 'stripe' | 'config'>,
  instructor: { id: string; email: string },
  country: string,
): Promise<ConnectOnboarding> {
  const row = await deps.knex('users').where({ id: instructor.id }).first<
    | {
        stripe_connect_account_id: string | null;
        connect_transfers_enabled: boolean;
        connect_payouts_enabled: boolean;
      }
    | undefined
  >('stripe_connect_account_id', 'connect_transfers_enabled', 'connect_payouts_enabled');
  if (!row) throw new Error(`user ${instructor.id} does not exist`);

  let accountId = row.stripe_connect_account_id;
  let created = false;
  if (!accountId) {
    const account = await deps.stripe.accounts.create(
      {
        type: 'express',
        country,
        email: instructor.email,
        capabilities: { transfers: { requested: true } },
        metadata: { instructor_id: instructor.id },
      },
      { idempotencyKey: `connect-account-${instructor.id}` },
    );
    const stored = await deps
      .knex('users')
      .where({ id: instructor.id })
      .whereNull('stripe_connect_account_id')
      .update({ stripe_connect_account_id: account.id, updated_at: deps.knex.fn.now() });
    created = stored === 1;
    accountId = created
      ? account.id
      : (
          await deps
            .knex('users')
            .where({ id: instructor.id })
            .first<{ stripe_connect_account_id: string }>('stripe_connect_account_id')
        ).stripe_connect_account_id;
  }

  const link = await deps.stripe.accountLinks.create({
    account: accountId,
    type: 'account_onboarding',
    ...onboardingUrls(deps.config),
  });
  return {
    accountId,
    created,
    onboardingUrl: link.url,
    expiresAt: new Date(link.expires_at * 1000),
    transfersEnabled: row.connect_transfers_enabled,
    payoutsEnabled: row.connect_payouts_enabled,
  };
}

/** When Stripe created an event: what orders events that Stripe may deliver out of order. */
export function eventTime(event: Pick<Stripe.Event, 'created'>): Date {
  return new Date(event.created * 1000);
}

/**
 * `account.updated`: records whether the account can receive transfers (the `transfers` capability is
 * active) and pay out to its bank. An event older than the state already recorded changes nothing.
 */
export async function applyAccountUpdate(knex: Knex, account: Stripe.Account, at: Date): Promise<{ updated: boolean }> {
  const updated = await knex('users')
    .where({ stripe_connect_account_id: account.id })
    .whereRaw('(connect_status_at IS NULL OR connect_status_at <= ?)', [at])
    .update({
      connect_transfers_enabled: account.capabilities?.transfers === 'active',
      connect_payouts_enabled: account.payouts_enabled,
      connect_status_at: at,
      updated_at: knex.fn.now(),
    });
  return { updated: updated > 0 };
}

/**
 * Connected-account `payout.paid` / `payout.failed`: the instructor's Stripe balance was (or could not be)
 * paid out to their bank. Recorded per Stripe payout (a newer event wins; at the same instant a failure wins,
 * since a paid payout can still bounce); a failure tells the instructor to fix their bank details — the money
 * stays in their Stripe balance and Stripe pays it out again once they have.
 */
export async function recordBankPayout(
  knex: Knex,
  accountId: string,
  payout: Stripe.Payout,
  status: 'paid' | 'failed',
  at: Date,
): Promise<{ recorded: boolean }> {
  return knex.transaction(async (trx) => {
    const instructor = await trx('users')
      .where({ stripe_connect_account_id: accountId })
      .first<{ id: string } | undefined>('id');
    if (!instructor) return { recorded: false };
    const [saved] = await trx('instructor_bank_payouts')
      .insert({
        instructor_id: instructor.id,
        stripe_payout_id: payout.id,
        stripe_account_id: accountId,
        amount_cents: payout.amount,
        currency: payout.currency,
        status,
        arrival_date: new Date(payout.arrival_date * 1000),
        failure_code: status === 'failed' ? payout.failure_code : null,
        failure_message: status === 'failed' ? payout.failure_message : null,
        event_created_at: at,
      })
      .onConflict('stripe_payout_id')
      .merge([
        'status',
        'amount_cents',
        'arrival_date',
        'failure_code',
        'failure_message',
        'event_created_at',
        'updated_at',
      ])
      .whereRaw(
        'instructor_bank_payouts.event_created_at < excluded.event_created_at OR (instructor_bank_payouts.event_created_at = excluded.event_created_at AND excluded.status = ?)',
        ['failed'],
      )
      .returning<{ status: string }[]>('status');
    if (saved?.status === 'failed') {
      await enqueueNotification(trx, {
        userId: instructor.id,
        kind: 'bank_payout_failed',
        dedupeKey: `bank-payout-failed:${payout.id}`,
        payload: {
          subject: 'Your bank could not receive your EduStream earnings',
          stripePayoutId: payout.id,
          amountCents: payout.amount,
          amount: payout.currency === 'usd' ? formatUsd(payout.amount) : `${payout.amount} ${payout.currency}`,
          failureCode: payout.failure_code,
          failureMessage: payout.failure_message,
          detail:
            'The money is safe in your Stripe balance. Update your bank details in your Stripe Express dashboard and it will be paid out again.',
        },
      });
    }
    return { recorded: saved !== undefined };
  });
}
