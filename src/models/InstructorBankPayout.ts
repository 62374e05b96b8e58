import { Model, type RelationMappings } from 'objection';
import { TimestampedModel } from './BaseModel';
import { User } from './User';
import { type BankPayoutStatus } from '../domain/statuses';

export { BANK_PAYOUT_STATUSES, type BankPayoutStatus } from '../domain/statuses';

/**
 * A payout made by an instructor's Connect account from its Stripe balance to its bank, as reported by the
 * connected-account `payout.paid` / `payout.failed` webhooks (one row per Stripe payout).
 */
export class InstructorBankPayout extends TimestampedModel {
  static override tableName = 'instructor_bank_payouts';

  declare id: string;
  declare instructor_id: string;
  declare stripe_payout_id: string;
  declare stripe_account_id: string;
  declare amount_cents: number;
  declare currency: string;
  declare status: BankPayoutStatus;
  declare arrival_date: Date | null;
  declare failure_code: string | null;
  declare failure_message: string | null;
  /** Creation time of the event applied last (Stripe delivers out of order). */
  declare event_created_at: Date;

  declare instructor?: User;

  static override relationMappings = (): RelationMappings => ({
    instructor: {
      relation: Model.BelongsToOneRelation,
      modelClass: User,
      join: { from: 'instructor_bank_payouts.instructor_id', to: 'users.id' },
    },
  });
}
