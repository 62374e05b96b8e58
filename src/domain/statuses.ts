/**
 * The status vocabularies (DESIGN §9) and user roles: one list each, the enums of their tables. Models, domain rules,
 * workflow contracts and the API read them from here (src/domain imports no model).
 */

/** DESIGN §9: draft → under_review → published; any → archived (soft delete). */
export const COURSE_STATUSES = ['draft', 'under_review', 'published', 'archived'] as const;
export type CourseStatus = (typeof COURSE_STATUSES)[number];

export const REVENUE_RECORD_STATUSES = ['held', 'payable', 'paid', 'cancelled', 'frozen'] as const;
export type RevenueRecordStatus = (typeof REVENUE_RECORD_STATUSES)[number];

/** DESIGN §9: awaiting_upload → processing → ready | failed (with a reason). */
export const LESSON_VIDEO_STATUSES = ['awaiting_upload', 'processing', 'ready', 'failed'] as const;
export type LessonVideoStatus = (typeof LESSON_VIDEO_STATUSES)[number];

export const BANK_PAYOUT_STATUSES = ['paid', 'failed'] as const;
export type BankPayoutStatus = (typeof BANK_PAYOUT_STATUSES)[number];

/** DESIGN §9: pending → completed → refunded; pending → failed. */
export const TRANSACTION_STATUSES = ['pending', 'completed', 'failed', 'refunded'] as const;
export type TransactionStatus = (typeof TRANSACTION_STATUSES)[number];

/** DESIGN §9: outstanding → applied (deducted in a payout). */
export const REVENUE_ADJUSTMENT_STATUSES = ['outstanding', 'applied'] as const;
export type RevenueAdjustmentStatus = (typeof REVENUE_ADJUSTMENT_STATUSES)[number];

/** DESIGN §9: pending → processing → completed | failed. */
export const PAYOUT_STATUSES = ['pending', 'processing', 'completed', 'failed'] as const;
export type PayoutStatus = (typeof PAYOUT_STATUSES)[number];

export const USER_ROLES = ['student', 'instructor', 'admin'] as const;
export type UserRole = (typeof USER_ROLES)[number];

/** DESIGN §9: active → revoked (refund, lost dispute). */
export const ENROLLMENT_STATUSES = ['active', 'revoked'] as const;
export type EnrollmentStatus = (typeof ENROLLMENT_STATUSES)[number];
