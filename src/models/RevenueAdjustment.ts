import { Model, type RelationMappings } from 'objection';
import { BaseModel } from './BaseModel';
import { User } from './User';
import { Transaction } from './Transaction';
import { RevenueRecord } from './RevenueRecord';
import { InstructorPayout } from './InstructorPayout';
import { type RevenueAdjustmentStatus } from '../domain/statuses';

export { REVENUE_ADJUSTMENT_STATUSES, type RevenueAdjustmentStatus } from '../domain/statuses';

/** A clawback of an already-paid instructor share; amount_cents (> 0) is deducted from a later payout. */
export class RevenueAdjustment extends BaseModel {
  static override tableName = 'revenue_adjustments';

  declare id: string;
  declare instructor_id: string;
  declare revenue_record_id: string;
  declare transaction_id: string;
  declare amount_cents: number;
  declare status: RevenueAdjustmentStatus;
  declare payout_id: string | null;
  declare reason: string;
  declare created_at: Date;
  declare applied_at: Date | null;

  declare instructor?: User;
  declare revenueRecord?: RevenueRecord;
  declare transaction?: Transaction;
  declare payout?: InstructorPayout | null;

  static override relationMappings = (): RelationMappings => ({
    instructor: {
      relation: Model.BelongsToOneRelation,
      modelClass: User,
      join: { from: 'revenue_adjustments.instructor_id', to: 'users.id' },
    },
    revenueRecord: {
      relation: Model.BelongsToOneRelation,
      modelClass: RevenueRecord,
      join: { from: 'revenue_adjustments.revenue_record_id', to: 'revenue_records.id' },
    },
    transaction: {
      relation: Model.BelongsToOneRelation,
      modelClass: Transaction,
      join: { from: 'revenue_adjustments.transaction_id', to: 'transactions.id' },
    },
    payout: {
      relation: Model.BelongsToOneRelation,
      modelClass: InstructorPayout,
      join: { from: 'revenue_adjustments.payout_id', to: 'instructor_payouts.id' },
    },
  });
}
