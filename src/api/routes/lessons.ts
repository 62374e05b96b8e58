import { z } from 'zod';
import { refreshTotalDuration } from '../../courses/course-duration';
import { ingestProgress } from '../../courses/ingest-client';
import { INGEST_SLOTS_DESCRIPTION } from '../../courses/ingest-slots';
import { LessonVideos } from '../../courses/lesson-videos';
import { reorderLessons } from '../../courses/lessons';
import { previewChangeViolation } from '../../domain/courses';
import { resourceKey } from '../../domain/resources';
import { CourseLesson } from '../../models/CourseLesson';
import { badRequest, conflict, forbidden, notFound } from '../../problems/http-problem';
import { deleteObjects, PRESIGNED_URL_TTL_SECONDS, presignedGetUrl, type Bucket } from '../../storage/video-objects';
import { manageCourse, manageLesson, viewCourse } from '../course-access';
import { LessonSchema, managerView, mayPlay, playbackKey, toLessonResponse } from '../course-views';
import type { RouteModule } from '../http/context';
import { defineRoute } from '../http/define-route';

/**
 * Lessons (spec MKT-005, MKT-033): watch processing, edit, reorder, delete, and get a signed playback URL.
 * Adding a lesson and uploading its video: lesson-uploads.ts.
 */

const LessonParams = z.object({ id: z.uuid(), lessonId: z.uuid() });
const CourseParams = z.object({ id: z.uuid() });

const UpdateLessonBody = z
  .object({
    title: z.string().trim().min(1).max(255),
    description: z.string().trim().max(10_000).nullable(),
    isPreview: z.boolean(),
  })
  .partial()
  .strict()
  .refine((body) => Object.keys(body).length > 0, { message: 'Provide at least one field to change' })
  // A refinement is invisible to the document: say it there too.
  .openapi('UpdateLessonRequest', { minProperties: 1 });

const ReorderBody = z
  .object({
    lessonIds: z
      .array(z.uuid())
      .min(1)
      .max(1000)
      .openapi({ description: 'Every lesson of the course, in the new order' }),
  })
  .strict()
  .openapi('ReorderLessonsRequest');

const LessonDetailSchema = LessonSchema.extend({
  processing: z
    .object({ stage: z.string(), percent: z.number().int() })
    .nullable()
    .openapi({ description: 'Live progress of the ingest while the video is processing' }),
}).openapi('LessonDetail');

const PlaybackSchema = z
  .object({
    lessonId: z.uuid(),
    url: z
      .string()
      .openapi({ description: 'Presigned URL of the best rendition (a fragmented MP4 that plays progressively)' }),
    expiresAt: z.string(),
    thumbnailUrl: z.string().nullable(),
    renditions: z.array(
      z.object({ height: z.number().int(), width: z.number().int(), bitrateKbps: z.number().int(), url: z.string() }),
    ),
  })
  .openapi('Playback');

const expiresAt = (): string => new Date(Date.now() + PRESIGNED_URL_TTL_SECONDS * 1000).toISOString();

export const lessonRoutes: RouteModule = (router, registry, deps) => {
  const bucket: Bucket = { s3: deps.s3, name: deps.config.S3_BUCKET };
  const videos = new LessonVideos(deps, bucket);

  defineRoute(
    router,
    registry,
    {
      method: 'post',
      path: '/api/courses/:id/lessons/:lessonId/video/retry',
      summary: 'Process a failed lesson video again, from the stored original',
      description:
        'For a lesson whose video is `failed` and whose original is still stored (the processing failed, was ' +
        'cancelled, or the video was over a limit since raised): no re-upload. The lesson becomes `processing`.',
      tags: ['lessons'],
      auth: ['instructor', 'admin'],
      forbiddenMessage: 'Only instructors can process videos',
      params: LessonParams,
      responses: {
        200: LessonSchema,
        409: { description: 'The video has not failed, its original is gone, or the last processing is finishing' },
        429: { description: INGEST_SLOTS_DESCRIPTION },
      },
    },
    async (_ctx, { params, user }) => {
      const { course, lesson } = await manageLesson(deps.knex, params, user);
      return toLessonResponse(await videos.retry(lesson, course.instructor_id), bucket, managerView(course, user));
    },
  );

  defineRoute(
    router,
    registry,
    {
      method: 'get',
      path: '/api/courses/:id/lessons/:lessonId',
      summary: 'A lesson, with live processing progress while its video is processed',
      tags: ['lessons'],
      auth: 'public',
      params: LessonParams,
      responses: { 200: LessonDetailSchema },
    },
    async (_ctx, { params, user }) => {
      const view = await viewCourse(deps.knex, params.id, user);
      const lesson = await CourseLesson.query(deps.knex).findOne({ id: params.lessonId, course_id: view.course.id });
      if (!lesson) throw notFound('Lesson not found');
      // The live query is for the people waiting on it; everyone else reads the mirrored percent.
      const live =
        view.manages && lesson.video_status === 'processing'
          ? await ingestProgress(deps.temporal, lesson.id)
          : undefined;
      return {
        ...(await toLessonResponse(lesson, bucket, view)),
        processing: live ? { stage: live.stage, percent: Math.max(live.percent, lesson.processing_percent) } : null,
      };
    },
  );

  defineRoute(
    router,
    registry,
    {
      method: 'patch',
      path: '/api/courses/:id/lessons/:lessonId',
      summary: 'Change a lesson’s title, description or preview flag',
      tags: ['lessons'],
      auth: ['instructor', 'admin'],
      forbiddenMessage: 'Only instructors can change lessons',
      params: LessonParams,
      body: UpdateLessonBody,
      responses: { 200: LessonSchema },
    },
    async (_ctx, { params, body, user }) => {
      const { course, updated } = await deps.knex.transaction(async (trx) => {
        const { course, lesson } = await manageLesson(trx, params, user, { forUpdate: true });
        if (body.isPreview && !lesson.is_preview) {
          // The course row is locked (manageLesson): concurrent changes to its previews are checked one after another.
          const lessons = await CourseLesson.query(trx).where('course_id', course.id);
          const violation = previewChangeViolation(
            course.status,
            lessons.map((l) => ({ id: l.id, isPreview: l.is_preview, durationSeconds: l.video_duration_seconds })),
            { id: lesson.id, videoStatus: lesson.video_status, durationSeconds: lesson.video_duration_seconds },
          );
          if (violation) throw badRequest(violation, { field: 'isPreview', in: 'body' });
        }
        const updated = await lesson.$query(trx).patchAndFetch({
          ...(body.title !== undefined && { title: body.title }),
          ...(body.description !== undefined && { description: body.description }),
          ...(body.isPreview !== undefined && { is_preview: body.isPreview }),
        });
        return { course, updated };
      });
      return toLessonResponse(updated, bucket, managerView(course, user));
    },
  );

  defineRoute(
    router,
    registry,
    {
      method: 'delete',
      path: '/api/courses/:id/lessons/:lessonId',
      summary: 'Delete a lesson, its video and its resources',
      description:
        'Cancels the video’s processing if it is running and deletes the original, everything derived from it and the lesson’s resource files.',
      tags: ['lessons'],
      auth: ['instructor', 'admin'],
      forbiddenMessage: 'Only instructors can delete lessons',
      params: LessonParams,
      responses: { 204: null },
    },
    async (_ctx, { params, user }) => {
      const lesson = await deps.knex.transaction(async (trx) => {
        const { lesson } = await manageLesson(trx, params, user, { forUpdate: true });
        await trx('course_lessons').where({ id: lesson.id }).delete();
        await refreshTotalDuration(trx, lesson.course_id);
        return lesson;
      });
      await videos.discard(lesson);
      await deleteObjects(bucket, lesson.resource_urls.map(resourceKey));
    },
  );

  defineRoute(
    router,
    registry,
    {
      method: 'put',
      path: '/api/courses/:id/lessons/order',
      summary: 'Reorder the lessons of a course',
      tags: ['lessons'],
      auth: ['instructor', 'admin'],
      forbiddenMessage: 'Only instructors can reorder lessons',
      params: CourseParams,
      body: ReorderBody,
      responses: { 200: z.object({ lessons: z.array(LessonSchema) }) },
    },
    async (_ctx, { params, body, user }) => {
      const { course, lessons } = await deps.knex.transaction(async (trx) => {
        const course = await manageCourse(trx, params.id, user, { forUpdate: true });
        if (!(await reorderLessons(trx, course.id, body.lessonIds))) {
          throw badRequest('lessonIds must list every lesson of the course exactly once', {
            field: 'lessonIds',
            in: 'body',
          });
        }
        return { course, lessons: await CourseLesson.query(trx).where('course_id', course.id).orderBy('lesson_order') };
      });
      return { lessons: await Promise.all(lessons.map((l) => toLessonResponse(l, bucket, managerView(course, user)))) };
    },
  );

  defineRoute(
    router,
    registry,
    {
      method: 'get',
      path: '/api/courses/:id/lessons/:lessonId/playback',
      summary: 'A signed URL to watch a lesson (valid one hour)',
      description:
        'Free previews: anyone. Other lessons: students with an active enrollment, the course’s instructor and admins; ' +
        'everyone else gets 403. Each call signs fresh URLs.',
      tags: ['lessons'],
      auth: 'public',
      params: LessonParams,
      responses: {
        200: PlaybackSchema,
        403: { description: 'Enroll in the course to watch this lesson' },
        409: { description: 'The lesson’s video is not ready' },
      },
    },
    async (_ctx, { params, user }) => {
      const view = await viewCourse(deps.knex, params.id, user);
      const lesson = await CourseLesson.query(deps.knex).findOne({ id: params.lessonId, course_id: view.course.id });
      if (!lesson) throw notFound('Lesson not found');
      if (!mayPlay(lesson, view)) throw forbidden('Enroll in the course to watch this lesson');
      const key = playbackKey(lesson);
      if (!key) throw conflict('The lesson’s video is not ready');
      return {
        lessonId: lesson.id,
        url: await presignedGetUrl(bucket, key),
        expiresAt: expiresAt(),
        thumbnailUrl: lesson.thumbnail_key ? await presignedGetUrl(bucket, lesson.thumbnail_key) : null,
        renditions: await Promise.all(
          lesson.renditions.map(async (r) => ({
            height: r.height,
            width: r.width,
            bitrateKbps: r.bitrate_kbps,
            url: await presignedGetUrl(bucket, r.key),
          })),
        ),
      };
    },
  );
};
