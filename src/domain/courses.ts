/**
 * Course rules (spec MKT-001, MKT-003, MKT-006; DESIGN §9) — pricing ranges, the publishing path and its
 * rules, who may play a lesson, the course's total duration. Routes, activities and workflows import these;
 * none of them writes a rule of its own.
 *
 * Workflow-safe: no imports with side effects, no Node built-ins, no clock, no I/O (ESLint enforces it).
 */

export const TITLE_MIN_LENGTH = 3;
export const TITLE_MAX_LENGTH = 255;

/** Price ranges in cents per pricing model: $9.00–$499.00 one-time, $4.99–$49.99 a month (spec MKT-001). */
export const PRICE_RANGE_CENTS = {
  one_time: { min: 900, max: 49_900 },
  subscription: { min: 499, max: 4_999 },
} as const;

export type PricingModel = keyof typeof PRICE_RANGE_CENTS;

/** The one price column a pricing model uses; the other stays null. */
export const PRICE_FIELD = { one_time: 'priceCents', subscription: 'subscriptionPriceCents' } as const;

export interface PricingInput {
  pricingModel: PricingModel;
  priceCents?: number | null;
  subscriptionPriceCents?: number | null;
}

export type PricingResult =
  | { ok: true; price_cents: number | null; subscription_price_cents: number | null }
  | { ok: false; field: string; message: string };

/**
 * The stored price columns for a pricing model, or why the combination is invalid: the model's own
 * price is required and within its range; the other model's price is cleared (switching models is allowed).
 */
export function resolvePricing(input: PricingInput): PricingResult {
  const field = PRICE_FIELD[input.pricingModel];
  const cents = input.pricingModel === 'one_time' ? input.priceCents : input.subscriptionPriceCents;
  const { min, max } = PRICE_RANGE_CENTS[input.pricingModel];
  if (cents == null) return { ok: false, field, message: `${field} is required for ${input.pricingModel} courses` };
  if (!Number.isSafeInteger(cents) || cents < min || cents > max) {
    return { ok: false, field, message: `${field} must be a whole number of cents between ${min} and ${max}` };
  }
  return input.pricingModel === 'one_time'
    ? { ok: true, price_cents: cents, subscription_price_cents: null }
    : { ok: true, price_cents: null, subscription_price_cents: cents };
}

// --- publishing --------------------------------------------------------------------------------

export const MIN_LESSONS_TO_PUBLISH = 3;
/** Free previews may add up to 15 minutes (spec MKT-003). */
export const MAX_PREVIEW_SECONDS = 15 * 60;

/** The spec's messages (MKT-006) where it has one; each broken rule has its own. */
export const PUBLISH_RULE_MESSAGES = {
  tooFewLessons: `Course must have at least ${MIN_LESSONS_TO_PUBLISH} lessons`,
  videosNotReady: 'Every lesson video must be processed successfully before publishing',
  previewTooLong: 'Preview duration exceeds 15 minute limit',
} as const;

export interface PublishableLesson {
  isPreview: boolean;
  videoStatus: 'awaiting_upload' | 'processing' | 'ready' | 'failed';
  durationSeconds: number | null;
}

export function previewDurationSeconds(
  lessons: readonly Pick<PublishableLesson, 'isPreview' | 'durationSeconds'>[],
): number {
  return lessons.reduce((sum, l) => sum + (l.isPreview ? (l.durationSeconds ?? 0) : 0), 0);
}

/** Why a lesson of a course past draft may not become a free preview (yet). */
export const PREVIEW_CHANGE_MESSAGES = {
  lengthUnknown: 'A lesson of a submitted course can become a preview once its video is processed',
  tooLong: PUBLISH_RULE_MESSAGES.previewTooLong,
} as const;

export interface PreviewCandidate extends Pick<PublishableLesson, 'videoStatus' | 'durationSeconds'> {
  /** Absent for a lesson not created yet. */
  id?: string;
}

/**
 * Whether `candidate` may become a free preview of a course in `status`. A draft's previews are checked when it
 * is submitted; past that, the limit it was checked against keeps holding, so the lesson's length must be known
 * (its video processed) and the previews, it among them, stay within 15 minutes.
 */
export function previewChangeViolation(
  status: CourseStatus,
  lessons: readonly (Pick<PublishableLesson, 'isPreview' | 'durationSeconds'> & { id: string })[],
  candidate: PreviewCandidate,
): string | undefined {
  if (status === 'draft') return undefined;
  if (candidate.videoStatus !== 'ready' || candidate.durationSeconds === null)
    return PREVIEW_CHANGE_MESSAGES.lengthUnknown;
  const others = lessons.filter((l) => l.id !== candidate.id);
  const previews = previewDurationSeconds([...others, { isPreview: true, durationSeconds: candidate.durationSeconds }]);
  return previews > MAX_PREVIEW_SECONDS ? PREVIEW_CHANGE_MESSAGES.tooLong : undefined;
}

/** The first publishing rule the lessons break (in the order a course author meets them), or undefined. */
export function publishRuleViolation(lessons: readonly PublishableLesson[]): string | undefined {
  if (lessons.length < MIN_LESSONS_TO_PUBLISH) return PUBLISH_RULE_MESSAGES.tooFewLessons;
  if (lessons.some((l) => l.videoStatus !== 'ready')) return PUBLISH_RULE_MESSAGES.videosNotReady;
  if (previewDurationSeconds(lessons) > MAX_PREVIEW_SECONDS) return PUBLISH_RULE_MESSAGES.previewTooLong;
  return undefined;
}

export type CourseStatus = 'draft' | 'under_review' | 'published' | 'archived';

export type PublishTransition =
  | { ok: true; to: 'under_review' | 'published' }
  | { ok: false; reason: 'archived' | 'already_published' | 'awaiting_review' };

/**
 * DESIGN §9: the owner submits a draft for review, an admin approves it. With auto-approval (local
 * development, demos) a submission publishes at once.
 */
export function publishTransition(
  status: CourseStatus,
  by: { isAdmin: boolean; autoApprove: boolean },
): PublishTransition {
  switch (status) {
    case 'draft':
      return { ok: true, to: by.autoApprove ? 'published' : 'under_review' };
    case 'under_review':
      return by.isAdmin || by.autoApprove ? { ok: true, to: 'published' } : { ok: false, reason: 'awaiting_review' };
    case 'published':
      return { ok: false, reason: 'already_published' };
    case 'archived':
      return { ok: false, reason: 'archived' };
  }
}

// --- access ------------------------------------------------------------------------------------

export interface Viewer {
  id: string;
  role: 'student' | 'instructor' | 'admin';
}

/** Owner or admin: may see and manage the course in every state. */
export function managesCourse(viewer: Viewer | undefined, instructorId: string): boolean {
  return viewer !== undefined && (viewer.role === 'admin' || viewer.id === instructorId);
}

/**
 * Who may play a lesson's video (spec MKT-004, MKT-033): anyone for a free preview; otherwise the
 * course's owner, an admin, or a student with an active enrollment.
 */
export function mayPlayLesson(
  lesson: { isPreview: boolean },
  viewer: Viewer | undefined,
  course: { instructorId: string; viewerEnrolled: boolean },
): boolean {
  return lesson.isPreview || managesCourse(viewer, course.instructorId) || course.viewerEnrolled;
}

// --- duration ----------------------------------------------------------------------------------

/** `courses.total_duration_minutes`: the lessons' known durations, rounded up to whole minutes. */
export function totalDurationMinutes(lessonSeconds: readonly (number | null)[]): number {
  const seconds = lessonSeconds.reduce<number>((sum, s) => sum + (s ?? 0), 0);
  return Math.ceil(seconds / 60);
}
