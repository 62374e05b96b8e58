/**
 * Stripe events of the payout domain. Each handler is a single idempotent database change (no workflow needs
 * them), safe to run again for a redelivered event.
 */
import { applyAccountUpdate, eventTime, recordBankPayout } from '../payouts/connect';
import { releaseReversedPayout } from '../payouts/payout-records';
import type { WebhookHandler, WebhookHandlers } from './types';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

const accountUpdated: WebhookHandler = async (deps, event) => {
  if (event.type !== 'account.updated') return;
  await applyAccountUpdate(deps.knex, event.data.object, eventTime(event));
};

/**
 * A payout transfer reversed in full: the money is back on the platform, so the payout fails and its shares
 * return to the instructor's balance for a later month. A partial reversal cannot be attributed to particular
 * sales; it is left to an operator (logged as an error).
 */
const transferReversed: WebhookHandler = async (deps, event) => {
  if (event.type !== 'transfer.reversed') return;
  const transfer = event.data.object;
  const byTransfer = await deps
    .knex('instructor_payouts')
    .where({ stripe_transfer_id: transfer.id })
    .first<{ id: string } | undefined>('id');
  const metadataId = transfer.metadata.payout_id;
  const payoutId = byTransfer?.id ?? (metadataId && UUID.test(metadataId) ? metadataId : undefined);
  if (!payoutId || !(await deps.knex('instructor_payouts').where({ id: payoutId }).first('id'))) return; // not a payout transfer
  if (!transfer.reversed) {
    deps.log.error(
      { payoutId, transferId: transfer.id, amountCents: transfer.amount, reversedCents: transfer.amount_reversed },
      'payout transfer partially reversed: reconcile the instructor balance by hand',
    );
    return;
  }
  await releaseReversedPayout(deps.knex, payoutId, `Stripe transfer ${transfer.id} was reversed`);
};

/** Only connected accounts' payouts concern instructors; the platform's own payouts carry no `account`. */
const bankPayout =
  (status: 'paid' | 'failed'): WebhookHandler =>
  async (deps, event) => {
    if ((event.type !== 'payout.paid' && event.type !== 'payout.failed') || !event.account) return;
    await recordBankPayout(deps.knex, event.account, event.data.object, status, eventTime(event));
  };

export const payoutWebhookHandlers: WebhookHandlers = {
  'account.updated': accountUpdated,
  'transfer.reversed': transferReversed,
  'payout.paid': bankPayout('paid'),
  'payout.failed': bankPayout('failed'),
};
