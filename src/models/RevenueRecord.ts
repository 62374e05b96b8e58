import { Model, type RelationMappings } from 'objection';
import { TimestampedModel } from './BaseModel';
import { User } from './User';
import { Transaction } from './Transaction';
import { InstructorPayout } from './InstructorPayout';
import { RevenueAdjustment } from './RevenueAdjustment';
import { type RevenueRecordStatus } from '../domain/statuses';

export { REVENUE_RECORD_STATUSES, type RevenueRecordStatus } from '../domain/statuses';

/**
 * DESIGN §9: held → payable → paid; held/payable → cancelled (refund);
 * held/payable → frozen (dispute) → payable (won) | cancelled (lost).
 */

/** The instructor's share of one sale (cents); instructor + platform = the transaction's net. */
export class RevenueRecord extends TimestampedModel {
  static override tableName = 'revenue_records';

  declare id: string;
  declare transaction_id: string;
  declare instructor_id: string;
  declare instructor_amount_cents: number;
  declare platform_amount_cents: number;
  declare status: RevenueRecordStatus;
  /** End of the escrow hold. */
  declare release_at: Date;
  declare released_at: Date | null;
  declare cancelled_at: Date | null;
  declare payout_id: string | null;

  declare transaction?: Transaction;
  declare instructor?: User;
  declare payout?: InstructorPayout | null;
  declare adjustment?: RevenueAdjustment | null;

  static override relationMappings = (): RelationMappings => ({
    transaction: {
      relation: Model.BelongsToOneRelation,
      modelClass: Transaction,
      join: { from: 'revenue_records.transaction_id', to: 'transactions.id' },
    },
    instructor: {
      relation: Model.BelongsToOneRelation,
      modelClass: User,
      join: { from: 'revenue_records.instructor_id', to: 'users.id' },
    },
    payout: {
      relation: Model.BelongsToOneRelation,
      modelClass: InstructorPayout,
      join: { from: 'revenue_records.payout_id', to: 'instructor_payouts.id' },
    },
    adjustment: {
      relation: Model.HasOneRelation,
      modelClass: RevenueAdjustment,
      join: { from: 'revenue_records.id', to: 'revenue_adjustments.revenue_record_id' },
    },
  });
}
