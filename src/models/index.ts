export { BaseModel, TimestampedModel } from './BaseModel';
export { User, USER_ROLES, type UserRole } from './User';
export {
  Course,
  COURSE_CATEGORIES,
  COURSE_DIFFICULTY_LEVELS,
  COURSE_PRICING_MODELS,
  COURSE_STATUSES,
  type CourseCategory,
  type CourseDifficultyLevel,
  type CoursePricingModel,
  type CourseStatus,
} from './Course';
export { CourseLesson, LESSON_VIDEO_STATUSES, type LessonVideoStatus, type LessonRendition } from './CourseLesson';
export { Coupon, COUPON_DISCOUNT_TYPES, type CouponDiscountType } from './Coupon';
export { Transaction, TRANSACTION_STATUSES, type TransactionStatus } from './Transaction';
export { InstructorPayout, PAYOUT_STATUSES, type PayoutStatus } from './InstructorPayout';
export { InstructorBankPayout, BANK_PAYOUT_STATUSES, type BankPayoutStatus } from './InstructorBankPayout';
export { RevenueRecord, REVENUE_RECORD_STATUSES, type RevenueRecordStatus } from './RevenueRecord';
export { RevenueAdjustment, REVENUE_ADJUSTMENT_STATUSES, type RevenueAdjustmentStatus } from './RevenueAdjustment';
export { Enrollment, ENROLLMENT_STATUSES, type EnrollmentStatus } from './Enrollment';
export { CourseProgress } from './CourseProgress';
export { CourseReview } from './CourseReview';
export { ReviewVote } from './ReviewVote';
export { TransactionAuditLog, AUDIT_ACTIONS, type AuditAction } from './TransactionAuditLog';
export { IdempotencyKey } from './IdempotencyKey';
export { StripeEvent } from './StripeEvent';
export { Notification } from './Notification';
export { Certificate } from './Certificate';
