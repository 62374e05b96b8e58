import type { Knex } from 'knex';
import type { AuditAction } from '../models/TransactionAuditLog';

export interface AuditEntry {
  action: AuditAction;
  transactionId?: string | null;
  payoutId?: string | null;
  /** The user who acted; null for the system (a workflow, a webhook, a schedule). */
  actorId?: string | null;
  metadata?: Record<string, unknown>;
  ipAddress?: string | null;
  /** Writers that may be retried pass a key: the entry is appended once per key. */
  dedupeKey?: string | null;
}

/**
 * Appends to the financial audit trail (spec MKT-032). The table is append-only — a trigger rejects UPDATE,
 * DELETE and TRUNCATE — and this is the only way the code writes to it. Returns false when an entry with
 * the same dedupe key already exists.
 */
export async function appendAudit(db: Knex | Knex.Transaction, entry: AuditEntry): Promise<boolean> {
  const rows = await db('transaction_audit_logs')
    .insert({
      action: entry.action,
      transaction_id: entry.transactionId ?? null,
      payout_id: entry.payoutId ?? null,
      actor_id: entry.actorId ?? null,
      metadata: entry.metadata ?? {},
      ip_address: entry.ipAddress ?? null,
      dedupe_key: entry.dedupeKey ?? null,
    })
    .onConflict('dedupe_key')
    .ignore()
    .returning('id');
  return rows.length > 0;
}
