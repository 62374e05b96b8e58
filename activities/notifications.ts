import type { Deps } from '../src/deps';
import { createMailer } from '../src/lib/mailer';

/** Deliveries tried per notification before it is left for an operator (last_error says why). */
export const MAX_DELIVERY_ATTEMPTS = 8;
/** A run stops after this many failures in a row: the mail server is down, not one address bad. */
const MAX_CONSECUTIVE_FAILURES = 3;

/** Wait before the next try after `attempts` failed ones: 1, 2, 4 … minutes, at most 6 hours. */
export const retryDelaySeconds = (attempts: number): number => Math.min(60 * 2 ** (attempts - 1), 6 * 3600);

/**
 * The notifications outbox relay. Rows are written in the same DB transaction as the business change;
 * this activity delivers them, oldest first. Each row is claimed with SKIP LOCKED and marked sent in the
 * same transaction as its delivery, so concurrent relays never send a row twice (delivery itself is
 * at-least-once: a crash between send and commit re-sends once, which mail tolerates). A failed delivery is
 * recorded on its row and retried later with backoff, so it never holds up the rows behind it.
 */
export function createNotificationActivities(deps: Deps) {
  const mailer = createMailer(deps.config, deps.log);
  return {
    async deliverPendingNotifications(limit: number): Promise<{ delivered: number; failed: number }> {
      let delivered = 0;
      let failed = 0;
      let failedInARow = 0;
      for (let i = 0; i < limit && failedInARow < MAX_CONSECUTIVE_FAILURES; i++) {
        const outcome = await deps.knex.transaction(async (trx) => {
          const row = await trx('notifications as n')
            .join('users as u', 'u.id', 'n.user_id')
            .whereNull('n.sent_at')
            .where('n.attempts', '<', MAX_DELIVERY_ATTEMPTS)
            .whereRaw('(n.next_attempt_at IS NULL OR n.next_attempt_at <= now())')
            .orderBy('n.created_at')
            .forUpdate('n')
            .skipLocked()
            .first('n.id', 'n.kind', 'n.payload', 'n.attempts', 'u.email', 'u.name');
          if (!row) return 'none';
          try {
            await mailer.send({ to: row.email, kind: row.kind, payload: row.payload });
          } catch (err) {
            const attempts = row.attempts + 1;
            deps.log.warn({ err, notificationId: row.id, attempts }, 'delivering a notification failed');
            await trx('notifications')
              .where({ id: row.id })
              .update({
                attempts,
                last_error: String((err as Error)?.message ?? err).slice(0, 1000),
                next_attempt_at: trx.raw('now() + make_interval(secs => ?)', [retryDelaySeconds(attempts)]),
              });
            return 'failed';
          }
          await trx('notifications')
            .where({ id: row.id })
            .update({ sent_at: trx.fn.now(), attempts: row.attempts + 1, next_attempt_at: null });
          return 'sent';
        });
        if (outcome === 'none') break;
        if (outcome === 'sent') {
          delivered++;
          failedInARow = 0;
        } else {
          failed++;
          failedInARow++;
        }
      }
      return { delivered, failed };
    },
  };
}
