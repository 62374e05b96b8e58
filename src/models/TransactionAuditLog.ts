import { Model, type RelationMappings } from 'objection';
import { BaseModel } from './BaseModel';
import { User } from './User';
import { Transaction } from './Transaction';
import { InstructorPayout } from './InstructorPayout';

export const AUDIT_ACTIONS = [
  'purchase',
  'refund_requested',
  'refund_processed',
  'payout_initiated',
  'payout_completed',
  'payout_failed',
  'coupon_applied',
  'dispute_opened',
  'dispute_closed',
  'refund_failed',
] as const;
export type AuditAction = (typeof AUDIT_ACTIONS)[number];

/**
 * Append-only (a database trigger rejects UPDATE, DELETE and TRUNCATE): insert only.
 * actor_id null = a system action (workflow, webhook, schedule).
 */
export class TransactionAuditLog extends BaseModel {
  static override tableName = 'transaction_audit_logs';
  static override jsonAttributes = ['metadata'];

  declare id: string;
  declare transaction_id: string | null;
  declare payout_id: string | null;
  declare action: AuditAction;
  declare actor_id: string | null;
  declare metadata: Record<string, unknown>;
  declare ip_address: string | null;
  /** Set by writers that may be retried: the entry is appended once per key. */
  declare dedupe_key: string | null;
  declare created_at: Date;

  declare transaction?: Transaction | null;
  declare payout?: InstructorPayout | null;
  declare actor?: User | null;

  static override relationMappings = (): RelationMappings => ({
    transaction: {
      relation: Model.BelongsToOneRelation,
      modelClass: Transaction,
      join: { from: 'transaction_audit_logs.transaction_id', to: 'transactions.id' },
    },
    payout: {
      relation: Model.BelongsToOneRelation,
      modelClass: InstructorPayout,
      join: { from: 'transaction_audit_logs.payout_id', to: 'instructor_payouts.id' },
    },
    actor: {
      relation: Model.BelongsToOneRelation,
      modelClass: User,
      join: { from: 'transaction_audit_logs.actor_id', to: 'users.id' },
    },
  });
}
