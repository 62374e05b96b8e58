import type { Deps } from '../src/deps';
import { createMailer } from '../src/lib/mailer';

/**
 * The notifications outbox relay. Rows are written in the same DB transaction as the business change;
 * this activity delivers them. Each row is claimed with SKIP LOCKED and marked sent in the same
 * transaction as its delivery, so concurrent relays never send a row twice (delivery itself is at-least-once:
 * a crash between send and commit re-sends once, which mail tolerates).
 */
export function createNotificationActivities(deps: Deps) {
  const mailer = createMailer(deps.config, deps.log);
  return {
    async deliverPendingNotifications(limit: number): Promise<{ delivered: number }> {
      let delivered = 0;
      for (let i = 0; i < limit; i++) {
        const sent = await deps.knex.transaction(async (trx) => {
          const row = await trx('notifications as n')
            .join('users as u', 'u.id', 'n.user_id')
            .whereNull('n.sent_at')
            .orderBy('n.created_at')
            .forUpdate()
            .skipLocked()
            .first('n.id', 'n.kind', 'n.payload', 'u.email', 'u.name');
          if (!row) return false;
          await mailer.send({ to: row.email, kind: row.kind, payload: row.payload });
          await trx('notifications').where({ id: row.id }).update({ sent_at: trx.fn.now(), attempts: trx.raw('attempts + 1') });
          return true;
        });
        if (!sent) break;
        delivered++;
      }
      return { delivered };
    },
  };
}
