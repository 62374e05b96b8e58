/**
 * Learning rules (spec MKT-023..027): when a lesson counts as watched, and which share of a course unlocks
 * the certificate and the right to review. Which lessons a course's progress counts (those whose video is
 * ready) is defined once in SQL: `enrollment_lesson_counts` (migration 20261127500001).
 */

/** A lesson is completed once this share of its video was watched (the position reached ≥ 90% of its duration). */
export const LESSON_COMPLETE_PERCENT = 90;
/** Share of a course's lessons completed to earn the certificate. */
export const CERTIFICATE_MIN_PERCENT = 90;
/** Share of a course's lessons completed to review it. */
export const REVIEW_MIN_PERCENT = 50;

export const RATING_MIN = 1;
export const RATING_MAX = 5;
export const REVIEW_TEXT_MAX_LENGTH = 500;

/**
 * Whole percent of the lessons completed, rounded down: the shown figure never claims a threshold
 * (90% for the certificate) that the student has not reached. 0 for a course without lessons.
 */
export function completionPercent(completedLessons: number, totalLessons: number): number {
  if (totalLessons <= 0) return 0;
  return Math.floor((Math.min(completedLessons, totalLessons) * 100) / totalLessons);
}

export function canEarnCertificate(completedLessons: number, totalLessons: number): boolean {
  return totalLessons > 0 && completionPercent(completedLessons, totalLessons) >= CERTIFICATE_MIN_PERCENT;
}

export function canReview(completedLessons: number, totalLessons: number): boolean {
  return totalLessons > 0 && completionPercent(completedLessons, totalLessons) >= REVIEW_MIN_PERCENT;
}

/** Star counts `[1★, …, 5★]` as the API shows them: `{ "1": n1, …, "5": n5 }`. */
export type RatingDistribution = Record<'1' | '2' | '3' | '4' | '5', number>;

export function ratingDistribution(counts: readonly number[]): RatingDistribution {
  const at = (star: number) => counts[star - 1] ?? 0;
  return { '1': at(1), '2': at(2), '3': at(3), '4': at(4), '5': at(5) };
}
