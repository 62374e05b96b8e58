import { Model, type RelationMappings } from 'objection';
import { TimestampedModel } from './BaseModel';
import { Course } from './Course';
import { Enrollment } from './Enrollment';
import { Transaction } from './Transaction';
import { InstructorPayout } from './InstructorPayout';
import { RevenueRecord } from './RevenueRecord';
import { RevenueAdjustment } from './RevenueAdjustment';
import { CourseReview } from './CourseReview';
import { Coupon } from './Coupon';
import { type UserRole } from '../domain/statuses';

export { USER_ROLES, type UserRole } from '../domain/statuses';

export class User extends TimestampedModel {
  static override tableName = 'users';

  declare id: string;
  /** citext: compared case-insensitively by the database. */
  declare email: string;
  declare password_hash: string;
  declare name: string;
  declare role: UserRole;
  declare stripe_connect_account_id: string | null;
  declare connect_transfers_enabled: boolean;
  declare connect_payouts_enabled: boolean;
  /** Creation time of the `account.updated` event the two flags come from (older events are ignored). */
  declare connect_status_at: Date | null;

  declare courses?: Course[];
  declare enrollments?: Enrollment[];
  declare purchases?: Transaction[];
  declare payouts?: InstructorPayout[];
  declare revenueRecords?: RevenueRecord[];
  declare adjustments?: RevenueAdjustment[];
  declare reviews?: CourseReview[];
  declare coupons?: Coupon[];

  /** Never serialize the password hash into an API response. */
  override $formatJson(json: Record<string, unknown>): Record<string, unknown> {
    const out = super.$formatJson(json);
    delete out.password_hash;
    return out;
  }

  static override relationMappings = (): RelationMappings => ({
    courses: {
      relation: Model.HasManyRelation,
      modelClass: Course,
      join: { from: 'users.id', to: 'courses.instructor_id' },
    },
    enrollments: {
      relation: Model.HasManyRelation,
      modelClass: Enrollment,
      join: { from: 'users.id', to: 'enrollments.student_id' },
    },
    purchases: {
      relation: Model.HasManyRelation,
      modelClass: Transaction,
      join: { from: 'users.id', to: 'transactions.buyer_id' },
    },
    payouts: {
      relation: Model.HasManyRelation,
      modelClass: InstructorPayout,
      join: { from: 'users.id', to: 'instructor_payouts.instructor_id' },
    },
    revenueRecords: {
      relation: Model.HasManyRelation,
      modelClass: RevenueRecord,
      join: { from: 'users.id', to: 'revenue_records.instructor_id' },
    },
    adjustments: {
      relation: Model.HasManyRelation,
      modelClass: RevenueAdjustment,
      join: { from: 'users.id', to: 'revenue_adjustments.instructor_id' },
    },
    reviews: {
      relation: Model.HasManyRelation,
      modelClass: CourseReview,
      join: { from: 'users.id', to: 'course_reviews.reviewer_id' },
    },
    coupons: {
      relation: Model.HasManyRelation,
      modelClass: Coupon,
      join: { from: 'users.id', to: 'coupons.creator_id' },
    },
  });
}
