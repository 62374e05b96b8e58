import { z } from 'zod';
import {
  publishRuleViolation,
  publishTransition,
  resolvePricing,
  TITLE_MAX_LENGTH,
  TITLE_MIN_LENGTH,
  type PricingInput,
} from '../../domain/courses';
import { Course, COURSE_CATEGORIES, COURSE_DIFFICULTY_LEVELS, COURSE_PRICING_MODELS } from '../../models/Course';
import { CourseLesson } from '../../models/CourseLesson';
import { COURSE_ARCHIVED, manageCourse, viewCourse } from '../course-access';
import { CourseDetailSchema, CourseSchema, toCourseResponse, toLessonResponse } from '../course-views';
import { badRequest, conflict, gone, validationProblem } from '../../problems/http-problem';
import type { RouteModule } from '../http/context';
import { defineRoute } from '../http/define-route';
import { IdParams } from '../http/schemas';

/**
 * Courses (spec MKT-006): create a draft, read, update, archive, and the publishing path
 * draft → under_review → published (DESIGN §9). Listing and search are in the search routes.
 */

const CourseFields = z.object({
  title: z.string().trim().min(TITLE_MIN_LENGTH).max(TITLE_MAX_LENGTH),
  description: z.string().trim().min(1).max(20_000),
  category: z.enum(COURSE_CATEGORIES),
  difficultyLevel: z.enum(COURSE_DIFFICULTY_LEVELS),
  pricingModel: z.enum(COURSE_PRICING_MODELS),
  priceCents: z.number().int().nullable().optional().openapi({ description: 'one_time: 900–49900 (US cents)' }),
  subscriptionPriceCents: z
    .number()
    .int()
    .nullable()
    .optional()
    .openapi({ description: 'subscription: 499–4999 (US cents a month)' }),
  thumbnailUrl: z.url().max(500).nullable().optional(),
});

/** The pricing rule as a body refinement, so a bad price is reported on its field like any other. */
function checkPricing(value: PricingInput, ctx: z.RefinementCtx): void {
  const pricing = resolvePricing(value);
  if (!pricing.ok) ctx.addIssue({ code: 'custom', path: [pricing.field], message: pricing.message });
}

const CreateCourseBody = CourseFields.strict().superRefine(checkPricing).openapi('CreateCourseRequest');

const UpdateCourseBody = CourseFields.partial()
  .strict()
  .refine((body) => Object.keys(body).length > 0, { message: 'Provide at least one field to change' })
  // A refinement is invisible to the document: say it there too.
  .openapi('UpdateCourseRequest', { minProperties: 1 });

export const courseRoutes: RouteModule = (router, registry, deps) => {
  const bucket = { s3: deps.s3, name: deps.config.S3_BUCKET };

  defineRoute(
    router,
    registry,
    {
      method: 'post',
      path: '/api/courses',
      summary: 'Create a draft course',
      description: 'A repeated request with the same `Idempotency-Key` returns the course created by the first.',
      tags: ['courses'],
      auth: ['instructor', 'admin'],
      forbiddenMessage: 'Only instructors can create courses',
      idempotent: 'course.create',
      body: CreateCourseBody,
      responses: { 201: CourseSchema },
    },
    async (ctx, { body, user }) => {
      const pricing = resolvePricing(body);
      if (!pricing.ok) throw badRequest(pricing.message, { field: pricing.field, in: 'body' }); // checked by the schema already
      const course = await Course.query(deps.knex).insertAndFetch({
        instructor_id: user.id,
        title: body.title,
        description: body.description,
        category: body.category,
        difficulty_level: body.difficultyLevel,
        pricing_model: body.pricingModel,
        price_cents: pricing.price_cents,
        subscription_price_cents: pricing.subscription_price_cents,
        thumbnail_url: body.thumbnailUrl ?? null,
        status: 'draft',
      });
      ctx.status = 201;
      return toCourseResponse(course);
    },
  );

  defineRoute(
    router,
    registry,
    {
      method: 'get',
      path: '/api/courses/:id',
      summary: 'A course with its lessons',
      description:
        'Published courses are public; drafts and courses under review are visible to their instructor and admins only ' +
        '(404 for anyone else). Lessons the viewer may not play (paid, not enrolled) come without a playback URL.',
      tags: ['courses'],
      auth: 'public',
      params: IdParams,
      responses: { 200: CourseDetailSchema, 404: { description: 'No such course, or not visible to the caller' } },
    },
    async (_ctx, { params, user }) => {
      const view = await viewCourse(deps.knex, params.id, user);
      const lessons = await CourseLesson.query(deps.knex).where('course_id', view.course.id).orderBy('lesson_order');
      return {
        ...toCourseResponse(view.course),
        lessons: await Promise.all(lessons.map((lesson) => toLessonResponse(lesson, bucket, view))),
      };
    },
  );

  defineRoute(
    router,
    registry,
    {
      method: 'put',
      path: '/api/courses/:id',
      summary: 'Update a course’s details',
      description: 'Only the fields sent change. Switching the pricing model needs the new model’s price.',
      tags: ['courses'],
      auth: ['instructor', 'admin'],
      forbiddenMessage: 'Only instructors can update courses',
      params: IdParams,
      body: UpdateCourseBody,
      responses: { 200: CourseSchema, 410: { description: COURSE_ARCHIVED } },
    },
    async (_ctx, { params, body, user }) => {
      const course = await deps.knex.transaction(async (trx) => {
        const current = await manageCourse(trx, params.id, user, { forUpdate: true });
        const patch: Partial<Course> = {};
        if (body.title !== undefined) patch.title = body.title;
        if (body.description !== undefined) patch.description = body.description;
        if (body.category !== undefined) patch.category = body.category;
        if (body.difficultyLevel !== undefined) patch.difficulty_level = body.difficultyLevel;
        if (body.thumbnailUrl !== undefined) patch.thumbnail_url = body.thumbnailUrl;
        if (
          body.pricingModel !== undefined ||
          body.priceCents !== undefined ||
          body.subscriptionPriceCents !== undefined
        ) {
          const pricing = resolvePricing({
            pricingModel: body.pricingModel ?? current.pricing_model,
            priceCents: body.priceCents !== undefined ? body.priceCents : current.price_cents,
            subscriptionPriceCents:
              body.subscriptionPriceCents !== undefined
                ? body.subscriptionPriceCents
                : current.subscription_price_cents,
          });
          if (!pricing.ok)
            throw validationProblem([{ field: pricing.field, message: pricing.message, in: 'body', worded: true }]);
          patch.pricing_model = body.pricingModel ?? current.pricing_model;
          patch.price_cents = pricing.price_cents;
          patch.subscription_price_cents = pricing.subscription_price_cents;
        }
        return current.$query(trx).patchAndFetch(patch);
      });
      return toCourseResponse(course);
    },
  );

  defineRoute(
    router,
    registry,
    {
      method: 'delete',
      path: '/api/courses/:id',
      summary: 'Archive a course (soft delete)',
      description: 'The course leaves the catalogue; enrolled students keep their access. Archiving twice is harmless.',
      tags: ['courses'],
      auth: ['instructor', 'admin'],
      forbiddenMessage: 'Only instructors can archive courses',
      params: IdParams,
      responses: { 204: null },
    },
    async (_ctx, { params, user }) => {
      await deps.knex.transaction(async (trx) => {
        const course = await manageCourse(trx, params.id, user, { forUpdate: true, allowArchived: true });
        if (course.status !== 'archived')
          await course.$query(trx).patch({ status: 'archived', deleted_at: new Date() });
      });
    },
  );

  defineRoute(
    router,
    registry,
    {
      method: 'post',
      path: '/api/courses/:id/publish',
      summary: 'Submit a course for review, or approve it',
      description:
        'The instructor submits a draft (→ under_review); an admin approves a course under review (→ published). ' +
        'With AUTO_APPROVE_COURSES a submission publishes at once. Refused with 400 while a publishing rule is ' +
        'broken: at least 3 lessons, every lesson video processed successfully, free previews at most 15 minutes in total.',
      tags: ['courses'],
      auth: ['instructor', 'admin'],
      forbiddenMessage: 'Only instructors can publish courses',
      rateLimit: 'publish',
      params: IdParams,
      responses: {
        200: CourseSchema,
        400: { description: 'A publishing rule is broken (the detail says which)' },
        409: { description: 'Already published, or already under review (an admin approves it)' },
        410: { description: COURSE_ARCHIVED },
      },
    },
    async (_ctx, { params, user }) => {
      const course = await deps.knex.transaction(async (trx) => {
        const current = await manageCourse(trx, params.id, user, { forUpdate: true });
        const step = publishTransition(current.status, {
          isAdmin: user.role === 'admin',
          autoApprove: deps.config.AUTO_APPROVE_COURSES,
        });
        if (!step.ok) {
          if (step.reason === 'archived') throw gone(COURSE_ARCHIVED);
          throw conflict(
            step.reason === 'already_published'
              ? 'Course is already published'
              : 'Course is already under review; an admin publishes it',
          );
        }
        const lessons = await CourseLesson.query(trx).where('course_id', current.id);
        const violation = publishRuleViolation(
          lessons.map((l) => ({
            isPreview: l.is_preview,
            videoStatus: l.video_status,
            durationSeconds: l.video_duration_seconds,
          })),
        );
        if (violation) throw badRequest(violation);
        return current
          .$query(trx)
          .patchAndFetch({ status: step.to, ...(step.to === 'published' && { published_at: new Date() }) });
      });
      return toCourseResponse(course);
    },
  );
};
