import type { Deps } from '../src/deps';
import { createMailer } from '../src/lib/mailer';
import { claimNextNotification, markNotificationFailed, markNotificationSent } from '../src/notifications/outbox';

export { MAX_DELIVERY_ATTEMPTS, retryDelaySeconds } from '../src/notifications/outbox';

/** A run stops after this many failures in a row: the mail server is down, not one address bad. */
const MAX_CONSECUTIVE_FAILURES = 3;

/**
 * The notifications outbox relay. Rows are written in the same DB transaction as the business change
 * (`enqueueNotification`, src/notifications/outbox.ts); this activity delivers them, oldest first. Each row is
 * claimed with SKIP LOCKED and marked sent in the same transaction as its delivery, so concurrent relays never
 * send a row twice (delivery itself is at-least-once: a crash between send and commit re-sends once, which mail
 * tolerates). A failed delivery is recorded on its row and retried later with backoff, so it never holds up
 * the rows behind it.
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
          const row = await claimNextNotification(trx);
          if (!row) return 'none';
          try {
            await mailer.send({ to: row.email, kind: row.kind, payload: row.payload });
          } catch (err) {
            const attempts = await markNotificationFailed(trx, row, String((err as Error)?.message ?? err));
            deps.log.warn({ err, notificationId: row.id, attempts }, 'delivering a notification failed');
            return 'failed';
          }
          await markNotificationSent(trx, row);
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
