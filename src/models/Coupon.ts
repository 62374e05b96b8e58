import { Model, type RelationMappings } from 'objection';
import { TimestampedModel } from './BaseModel';
import { User } from './User';
import { Course } from './Course';
import { Transaction } from './Transaction';

export const COUPON_DISCOUNT_TYPES = ['percentage', 'fixed_amount'] as const;
export type CouponDiscountType = (typeof COUPON_DISCOUNT_TYPES)[number];

/**
 * One column per unit: percentage coupons set percent_off (whole percent 1..100) and leave
 * amount_off_cents null; fixed_amount coupons set amount_off_cents (> 0) and leave percent_off null
 * (a check constraint enforces it). `code` is stored upper-case.
 */
export class Coupon extends TimestampedModel {
  static override tableName = 'coupons';

  declare id: string;
  declare code: string;
  declare creator_id: string;
  /** null = valid for all of the creator's courses. */
  declare course_id: string | null;
  declare discount_type: CouponDiscountType;
  declare percent_off: number | null;
  declare amount_off_cents: number | null;
  /** null = unlimited. */
  declare max_uses: number | null;
  declare current_uses: number;
  /** null = never expires. */
  declare expires_at: Date | null;
  /** Set when the instructor deletes it: it no longer applies, the row stays for the transactions that used it. */
  declare deleted_at: Date | null;

  declare creator?: User;
  declare course?: Course | null;
  declare transactions?: Transaction[];

  static override relationMappings = (): RelationMappings => ({
    creator: {
      relation: Model.BelongsToOneRelation,
      modelClass: User,
      join: { from: 'coupons.creator_id', to: 'users.id' },
    },
    course: {
      relation: Model.BelongsToOneRelation,
      modelClass: Course,
      join: { from: 'coupons.course_id', to: 'courses.id' },
    },
    transactions: {
      relation: Model.HasManyRelation,
      modelClass: Transaction,
      join: { from: 'coupons.id', to: 'transactions.coupon_id' },
    },
  });
}
