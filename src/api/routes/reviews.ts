import { z } from 'zod';
import {
  canReview,
  RATING_MAX,
  RATING_MIN,
  ratingDistribution,
  REVIEW_MIN_PERCENT,
  REVIEW_TEXT_MAX_LENGTH,
} from '../../domain/learning';
import { findEnrollmentSummary } from '../../learning/enrollments';
import { toPlainText } from '../../lib/plain-text';
import { assertOwnerOrAdmin } from '../auth';
import { viewCourse } from '../course-access';
import { conflict, forbidden, notFound } from '../../problems/http-problem';
import type { RouteModule } from '../http/context';
import { defineRoute } from '../http/define-route';
import { IdParams, Timestamp } from '../http/schemas';

/** Spec MKT-027's wording. */
export const REVIEW_MESSAGES = {
  notPurchased: 'Purchase course to leave review',
  notEnoughProgress: `Complete ${REVIEW_MIN_PERCENT}% of course to review`,
  duplicate: 'You already reviewed this course',
  rating: `Rating must be ${RATING_MIN}-${RATING_MAX} stars`,
  tooLong: `Review too long (max ${REVIEW_TEXT_MAX_LENGTH} chars)`,
  courseNotFound: 'Course not found',
  reviewNotFound: 'Review not found',
  ownReviewHelpful: 'You cannot mark your own review as helpful',
  deleteForbidden: 'You can only delete your own reviews',
} as const;

// --- schemas ---------------------------------------------------------------------------------

const rating = { error: REVIEW_MESSAGES.rating };
const tooLong = { error: REVIEW_MESSAGES.tooLong };

/** Counted in characters (code points) like the table's char_length check, after HTML is stripped. */
const ReviewText = z
  .string()
  .max(REVIEW_TEXT_MAX_LENGTH * 20, tooLong) // bounds the sanitizer's work before it runs
  .transform(toPlainText)
  .refine((text) => [...text].length <= REVIEW_TEXT_MAX_LENGTH, tooLong)
  .transform((text) => (text === '' ? null : text));

const ReviewBody = z
  .object({
    rating: z.number(rating).int(rating).min(RATING_MIN, rating).max(RATING_MAX, rating).openapi({ example: 5 }),
    reviewText: ReviewText.nullish()
      .transform((text) => text ?? null)
      .openapi({
        type: 'string',
        maxLength: REVIEW_TEXT_MAX_LENGTH,
        description: 'Plain text; HTML is removed',
        example: 'Clear and practical.',
      }),
  })
  .openapi('ReviewRequest');

const ReviewSchema = z
  .object({
    id: z.uuid(),
    courseId: z.uuid(),
    rating: z.number().int().min(RATING_MIN).max(RATING_MAX),
    reviewText: z.string().nullable(),
    helpfulCount: z.number().int(),
    helpfulByMe: z.boolean().openapi({ description: 'The signed-in user marked it helpful (false when anonymous)' }),
    reviewer: z.object({ id: z.uuid(), name: z.string() }),
    createdAt: Timestamp,
    updatedAt: Timestamp,
  })
  .openapi('Review');

const RatingSummarySchema = z
  .object({
    ratingAverage: z.number().openapi({ description: 'Mean rating, 2 decimals; 0 without reviews', example: 4.35 }),
    ratingCount: z.number().int(),
    distribution: z
      .object({
        1: z.number().int(),
        2: z.number().int(),
        3: z.number().int(),
        4: z.number().int(),
        5: z.number().int(),
      })
      .openapi({ description: 'Number of reviews per star rating' }),
  })
  .openapi('RatingSummary');

const ReviewListQuery = z.object({
  sort: z.enum(['newest', 'most_helpful']).default('newest'),
  page: z.coerce.number().int().min(1).max(10_000).default(1),
  limit: z.coerce.number().int().min(1).max(50).default(10),
});

interface ReviewRow {
  id: string;
  course_id: string;
  rating: number;
  review_text: string | null;
  helpful_count: number;
  helpful_by_me: boolean;
  reviewer_id: string;
  reviewer_name: string;
  created_at: Date;
  updated_at: Date;
}

function toReviewResponse(r: ReviewRow): z.input<typeof ReviewSchema> {
  return {
    id: r.id,
    courseId: r.course_id,
    rating: r.rating,
    reviewText: r.review_text,
    helpfulCount: r.helpful_count,
    helpfulByMe: r.helpful_by_me,
    reviewer: { id: r.reviewer_id, name: r.reviewer_name },
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}

// --- routes ----------------------------------------------------------------------------------

export const reviewRoutes: RouteModule = (router, registry, deps) => {
  const { knex } = deps;

  /** Reviews with their reviewer, and whether `viewerId` voted each helpful. */
  const reviews = (viewerId: string | undefined) =>
    knex('course_reviews as r')
      .join('users as u', 'u.id', 'r.reviewer_id')
      .select(
        'r.id',
        'r.course_id',
        'r.rating',
        'r.review_text',
        'r.helpful_count',
        'r.created_at',
        'r.updated_at',
        'u.id as reviewer_id',
        'u.name as reviewer_name',
        viewerId
          ? knex.raw(
              'EXISTS (SELECT 1 FROM review_votes v WHERE v.review_id = r.id AND v.user_id = ?) AS helpful_by_me',
              [viewerId],
            )
          : knex.raw('false AS helpful_by_me'),
      );

  defineRoute(
    router,
    registry,
    {
      method: 'post',
      path: '/api/courses/:id/reviews',
      rateLimit: 'review',
      summary: 'Review a course you bought and half completed',
      description: `One review per student and course; requires an active enrollment with at least ${REVIEW_MIN_PERCENT}% of the lessons completed.`,
      tags: ['reviews'],
      auth: 'user',
      idempotent: 'review.create',
      params: IdParams,
      body: ReviewBody,
      responses: {
        201: ReviewSchema,
        400: { description: `${REVIEW_MESSAGES.rating} | ${REVIEW_MESSAGES.tooLong}` },
        403: { description: `${REVIEW_MESSAGES.notPurchased} | ${REVIEW_MESSAGES.notEnoughProgress}` },
        404: { description: REVIEW_MESSAGES.courseNotFound },
        409: { description: REVIEW_MESSAGES.duplicate },
      },
    },
    async (ctx, { user, params, body }) => {
      const enrollment = await findEnrollmentSummary(knex, { courseId: params.id, studentId: user.id });
      if (!enrollment || enrollment.status !== 'active') {
        await viewCourse(knex, params.id, user); // 404 for a course the caller may not see: a draft is not revealed
        throw forbidden(REVIEW_MESSAGES.notPurchased);
      }
      if (!canReview(enrollment.completed_lessons, enrollment.total_lessons))
        throw forbidden(REVIEW_MESSAGES.notEnoughProgress);

      let id: string;
      try {
        [{ id }] = await knex('course_reviews')
          .insert({
            course_id: params.id,
            reviewer_id: user.id,
            enrollment_id: enrollment.id,
            rating: body.rating,
            review_text: body.reviewText,
          })
          .returning<{ id: string }[]>('id');
      } catch (err) {
        // The unique index decides, also between two concurrent submissions.
        if ((err as { constraint?: string }).constraint === 'idx_reviews_unique')
          throw conflict(REVIEW_MESSAGES.duplicate);
        throw err;
      }
      const row = await reviews(user.id).where('r.id', id).first<ReviewRow>();
      ctx.status = 201;
      return toReviewResponse(row);
    },
  );

  defineRoute(
    router,
    registry,
    {
      method: 'get',
      path: '/api/courses/:id/reviews',
      summary: 'Reviews of a course, newest or most helpful first, with the rating summary',
      tags: ['reviews'],
      auth: 'public',
      params: IdParams,
      query: ReviewListQuery,
      responses: {
        200: z.object({
          summary: RatingSummarySchema,
          items: z.array(ReviewSchema),
          page: z.number().int(),
          limit: z.number().int(),
          total: z.number().int(),
        }),
        404: { description: REVIEW_MESSAGES.courseNotFound },
      },
    },
    async (_ctx, { user, params, query }) => {
      const course = await knex('courses').where({ id: params.id }).first<
        | {
            status: string;
            instructor_id: string;
            rating_average: string;
            rating_count: number;
            rating_distribution: number[];
          }
        | undefined
      >('status', 'instructor_id', 'rating_average', 'rating_count', 'rating_distribution');
      // Courses being written are private to their instructor (and admins); archived ones keep their reviews.
      const visible =
        course &&
        (course.status === 'published' ||
          course.status === 'archived' ||
          user?.role === 'admin' ||
          user?.id === course.instructor_id);
      if (!course || !visible) throw notFound(REVIEW_MESSAGES.courseNotFound);

      const order =
        query.sort === 'most_helpful'
          ? 'r.helpful_count DESC, r.created_at DESC, r.id DESC'
          : 'r.created_at DESC, r.id DESC';
      const rows = await reviews(user?.id)
        .where('r.course_id', params.id)
        .orderByRaw(order)
        .limit(query.limit)
        .offset((query.page - 1) * query.limit);
      return {
        summary: {
          ratingAverage: Number(course.rating_average),
          ratingCount: course.rating_count,
          distribution: ratingDistribution(course.rating_distribution),
        },
        items: (rows as ReviewRow[]).map(toReviewResponse),
        page: query.page,
        limit: query.limit,
        // rating_count is every review of the course, kept exact by the database (migration 20261127500002).
        total: course.rating_count,
      };
    },
  );

  defineRoute(
    router,
    registry,
    {
      method: 'put',
      path: '/api/reviews/:id/helpful',
      summary: 'Mark a review helpful (once per user; repeating it changes nothing)',
      tags: ['reviews'],
      auth: 'user',
      params: IdParams,
      responses: {
        200: z.object({ reviewId: z.uuid(), helpfulCount: z.number().int(), helpfulByMe: z.literal(true) }),
        403: { description: REVIEW_MESSAGES.ownReviewHelpful },
        404: { description: REVIEW_MESSAGES.reviewNotFound },
      },
    },
    async (_ctx, { user, params }) => {
      // The review row is locked before the vote is written (as a deletion locks it before its votes go):
      // one lock order, no deadlock. Under that lock helpful_count is current, and the vote trigger adds 1
      // exactly when this statement inserted a vote.
      const result = await knex.raw<{ rows: { reviewer_id: string; helpful_count: number; added: number }[] }>(
        `WITH review AS (
           SELECT id, reviewer_id, helpful_count FROM course_reviews WHERE id = ? FOR NO KEY UPDATE
         ),
         vote AS (
           INSERT INTO review_votes (review_id, user_id)
           SELECT id, ? FROM review WHERE reviewer_id <> ?
           ON CONFLICT (review_id, user_id) DO NOTHING
           RETURNING review_id
         )
         SELECT reviewer_id, helpful_count, (SELECT count(*) FROM vote)::int AS added FROM review`,
        [params.id, user.id, user.id],
      );
      const review = result.rows[0];
      if (!review) throw notFound(REVIEW_MESSAGES.reviewNotFound);
      if (review.reviewer_id === user.id) throw forbidden(REVIEW_MESSAGES.ownReviewHelpful);
      return { reviewId: params.id, helpfulCount: review.helpful_count + review.added, helpfulByMe: true as const };
    },
  );

  defineRoute(
    router,
    registry,
    {
      method: 'delete',
      path: '/api/reviews/:id',
      summary: 'Delete a review (its author or an admin)',
      tags: ['reviews'],
      auth: 'user',
      params: IdParams,
      responses: {
        204: null,
        403: { description: REVIEW_MESSAGES.deleteForbidden },
        404: { description: REVIEW_MESSAGES.reviewNotFound },
      },
    },
    async (_ctx, { user, params }) => {
      const review = await knex('course_reviews')
        .where({ id: params.id })
        .first<{ reviewer_id: string } | undefined>('reviewer_id');
      if (!review) throw notFound(REVIEW_MESSAGES.reviewNotFound);
      assertOwnerOrAdmin(user, review.reviewer_id, REVIEW_MESSAGES.deleteForbidden);
      // Votes go with it (cascade); the course's rating is recounted by the database.
      await knex('course_reviews').where({ id: params.id }).delete();
    },
  );
};
