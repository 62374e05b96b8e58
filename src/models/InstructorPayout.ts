import { Model, type RelationMappings } from 'objection';
import { TimestampedModel } from './BaseModel';
import { User } from './User';
import { RevenueRecord } from './RevenueRecord';
import { RevenueAdjustment } from './RevenueAdjustment';
import { type PayoutStatus } from '../domain/statuses';

export { PAYOUT_STATUSES, type PayoutStatus } from '../domain/statuses';

/**
 * One transfer per instructor per pay period. total_amount_cents = gross_cents − adjustments_cents (≥ 5000).
 */
export class InstructorPayout extends TimestampedModel {
  static override tableName = 'instructor_payouts';

  declare id: string;
  declare instructor_id: string;
  /** 'YYYY-MM-01' (DATE columns are read as plain strings). */
  declare payout_period: string;
  declare gross_cents: number;
  declare adjustments_cents: number;
  declare total_amount_cents: number;
  declare stripe_transfer_id: string | null;
  /** The Connect account (acct_…) the transfer goes to, captured when the payout is created. */
  declare stripe_destination_account: string | null;
  declare status: PayoutStatus;
  declare initiated_at: Date | null;
  declare completed_at: Date | null;
  declare failure_reason: string | null;

  declare instructor?: User;
  declare revenueRecords?: RevenueRecord[];
  declare adjustments?: RevenueAdjustment[];

  static override relationMappings = (): RelationMappings => ({
    instructor: {
      relation: Model.BelongsToOneRelation,
      modelClass: User,
      join: { from: 'instructor_payouts.instructor_id', to: 'users.id' },
    },
    revenueRecords: {
      relation: Model.HasManyRelation,
      modelClass: RevenueRecord,
      join: { from: 'instructor_payouts.id', to: 'revenue_records.payout_id' },
    },
    adjustments: {
      relation: Model.HasManyRelation,
      modelClass: RevenueAdjustment,
      join: { from: 'instructor_payouts.id', to: 'revenue_adjustments.payout_id' },
    },
  });
}
