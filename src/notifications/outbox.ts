/**
 * The notifications outbox (DESIGN §2 "send email"): the only module that writes the `notifications` table.
 * Business changes enqueue their mail in their own DB transaction; the relay (activities/notifications.ts)
 * claims, delivers and marks rows with the functions below.
 */
import type { Knex } from 'knex';

/** Deliveries tried per notification before it is left for an operator (last_error says why). */
export const MAX_DELIVERY_ATTEMPTS = 8;

/** Wait before the next try after `attempts` failed ones: 1, 2, 4 … minutes, at most 6 hours. */
export const retryDelaySeconds = (attempts: number): number => Math.min(60 * 2 ** (attempts - 1), 6 * 3600);

export interface NotificationDraft {
  userId: string;
  kind: string;
  /** Unique: a retried writer enqueues its mail once. */
  dedupeKey: string;
  payload: Record<string, unknown>;
}

/** Enqueues mail in the caller's transaction, once per dedupe key (a repeat is ignored). Several go in one statement. */
export async function enqueueNotification(
  trx: Knex | Knex.Transaction,
  drafts: NotificationDraft | NotificationDraft[],
): Promise<void> {
  const rows = (Array.isArray(drafts) ? drafts : [drafts]).map((d) => ({
    user_id: d.userId,
    kind: d.kind,
    payload: d.payload,
    dedupe_key: d.dedupeKey,
  }));
  if (rows.length === 0) return;
  await trx('notifications').insert(rows).onConflict('dedupe_key').ignore();
}

export interface ClaimedNotification {
  id: string;
  kind: string;
  payload: Record<string, unknown>;
  attempts: number;
  email: string;
  name: string;
}

/**
 * The oldest notification due for delivery, locked for this transaction (SKIP LOCKED: concurrent relays take
 * different rows), with its recipient; undefined when none is due.
 */
export async function claimNextNotification(trx: Knex.Transaction): Promise<ClaimedNotification | undefined> {
  return trx('notifications as n')
    .join('users as u', 'u.id', 'n.user_id')
    .whereNull('n.sent_at')
    .where('n.attempts', '<', MAX_DELIVERY_ATTEMPTS)
    .whereRaw('(n.next_attempt_at IS NULL OR n.next_attempt_at <= now())')
    .orderBy('n.created_at')
    .forUpdate('n')
    .skipLocked()
    .first<ClaimedNotification | undefined>('n.id', 'n.kind', 'n.payload', 'n.attempts', 'u.email', 'u.name');
}

export async function markNotificationSent(trx: Knex.Transaction, row: ClaimedNotification): Promise<void> {
  await trx('notifications')
    .where({ id: row.id })
    .update({ sent_at: trx.fn.now(), attempts: row.attempts + 1, next_attempt_at: null });
}

/** Records a failed delivery on its row and schedules the next try (backoff), so it never holds up the rows behind it. */
export async function markNotificationFailed(
  trx: Knex.Transaction,
  row: ClaimedNotification,
  error: string,
): Promise<number> {
  const attempts = row.attempts + 1;
  await trx('notifications')
    .where({ id: row.id })
    .update({
      attempts,
      last_error: error.slice(0, 1000),
      next_attempt_at: trx.raw('now() + make_interval(secs => ?)', [retryDelaySeconds(attempts)]),
    });
  return attempts;
}
