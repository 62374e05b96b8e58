import { Model, type RelationMappings } from 'objection';
import { TimestampedModel } from './BaseModel';
import { User } from './User';
import { Course } from './Course';
import { Coupon } from './Coupon';
import { RevenueRecord } from './RevenueRecord';
import { Enrollment } from './Enrollment';
import { TransactionAuditLog } from './TransactionAuditLog';
import { type TransactionStatus } from '../domain/statuses';

export { TRANSACTION_STATUSES, type TransactionStatus } from '../domain/statuses';

/** A purchase. All amounts are integer cents; amount_net_cents = amount_gross_cents − amount_discount_cents. */
export class Transaction extends TimestampedModel {
  static override tableName = 'transactions';

  declare id: string;
  declare course_id: string;
  declare buyer_id: string;
  declare coupon_id: string | null;
  /** Null while the checkout attempt's Stripe session is being created. */
  declare stripe_checkout_session_id: string | null;
  /** Set when the payment completes. */
  declare stripe_payment_intent_id: string | null;
  declare stripe_charge_id: string | null;
  declare checkout_workflow_id: string | null;
  declare currency: string;
  declare amount_gross_cents: number;
  declare amount_discount_cents: number;
  declare amount_net_cents: number;
  declare tax_cents: number;
  /** Required once completed (check constraint). */
  declare stripe_fee_cents: number | null;
  declare status: TransactionStatus;
  declare payment_method: string | null;
  declare completed_at: Date | null;
  /** Why a failed attempt ended without a sale: expired, payment_failed, superseded, checkout_error. */
  declare failure_reason: string | null;
  declare refunded_at: Date | null;
  /** The Stripe refund that returned the money (null when a lost dispute took it back). */
  declare stripe_refund_id: string | null;

  declare course?: Course;
  declare buyer?: User;
  declare coupon?: Coupon | null;
  declare revenueRecord?: RevenueRecord | null;
  declare enrollment?: Enrollment | null;
  declare auditLogs?: TransactionAuditLog[];

  static override relationMappings = (): RelationMappings => ({
    course: {
      relation: Model.BelongsToOneRelation,
      modelClass: Course,
      join: { from: 'transactions.course_id', to: 'courses.id' },
    },
    buyer: {
      relation: Model.BelongsToOneRelation,
      modelClass: User,
      join: { from: 'transactions.buyer_id', to: 'users.id' },
    },
    coupon: {
      relation: Model.BelongsToOneRelation,
      modelClass: Coupon,
      join: { from: 'transactions.coupon_id', to: 'coupons.id' },
    },
    revenueRecord: {
      relation: Model.HasOneRelation,
      modelClass: RevenueRecord,
      join: { from: 'transactions.id', to: 'revenue_records.transaction_id' },
    },
    enrollment: {
      relation: Model.HasOneRelation,
      modelClass: Enrollment,
      join: { from: 'transactions.id', to: 'enrollments.transaction_id' },
    },
    auditLogs: {
      relation: Model.HasManyRelation,
      modelClass: TransactionAuditLog,
      join: { from: 'transactions.id', to: 'transaction_audit_logs.transaction_id' },
    },
  });
}
