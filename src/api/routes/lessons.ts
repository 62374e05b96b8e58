import { randomUUID } from 'node:crypto';
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { ServiceError } from '@temporalio/client';
import type { Middleware } from 'koa';
import { z } from 'zod';
import { refreshTotalDuration } from '../../courses/course-duration';
import { previewChangeViolation } from '../../domain/courses';
import { cancelIngest, ingestProgress, isIngestRunning, startIngest } from '../../courses/ingest-client';
import { insertLesson, isLessonOrderTaken, lessonOrderTaken, reorderLessons } from '../../courses/lessons';
import { assertIngestSlot } from '../../courses/ingest-slots';
import type { ApiDeps } from '../../deps';
import {
  CONTAINER_CONTENT_TYPES,
  MAX_VIDEO_BYTES,
  MAX_VIDEO_SIZE_MESSAGE,
  SNIFF_BYTES,
  sniffVideoContainer,
  UNSUPPORTED_VIDEO_MESSAGE,
  VIDEO_PROCESSING_FAILED_MESSAGE,
  videoObjectKey,
  type VideoContainer,
} from '../../domain/video';
import type { Course } from '../../models/Course';
import { CourseLesson } from '../../models/CourseLesson';
import { resourceKey } from '../../domain/resources';
import {
  deleteObjects,
  deleteVideoObjects,
  objectSize,
  PRESIGNED_URL_TTL_SECONDS,
  presignedGetUrl,
  readObjectHead,
  SERVER_SIDE_ENCRYPTION,
  type Bucket,
} from '../../storage/video-objects';
import type { AuthUser } from '../auth';
import { COURSE_ARCHIVED, manageCourse, manageLesson, viewCourse } from '../course-access';
import { LessonSchema, mayPlay, playbackKey, toLessonResponse, type PlaybackContext } from '../course-views';
import {
  badRequest,
  conflict,
  forbidden,
  HttpProblem,
  notFound,
  payloadTooLarge,
  unavailable,
  validationProblem,
} from '../../problems/http-problem';
import { defineRoute, parseRequestPart, type RouteModule } from '../route';
import { drainRefusedUploads, streamFileToS3, type UploadKind } from '../streamed-upload';

/**
 * Lessons (spec MKT-004–MKT-006, MKT-033): upload a lesson video streamed through the API or directly to S3
 * with presigned multipart URLs, watch processing, edit, reorder, delete, and get a signed playback URL.
 * An uploaded video is processed by the video ingest workflow (workflows/ingest.ts).
 */

const LessonParams = z.object({ id: z.uuid(), lessonId: z.uuid() });
const CourseParams = z.object({ id: z.uuid() });

const LessonFields = z.object({
  title: z.string().trim().min(1).max(255),
  description: z.string().trim().max(10_000).nullable().optional(),
  isPreview: z.boolean().default(false),
  lessonOrder: z.number().int().positive().max(10_000).optional(),
});

/** Multipart text fields arrive as strings. */
const MultipartLessonFields = LessonFields.extend({
  isPreview: z.stringbool().default(false),
  lessonOrder: z.coerce.number().int().positive().max(10_000).optional(),
});

const DirectUploadBody = LessonFields.extend({
  contentType: z
    .enum(['video/mp4', 'video/quicktime'])
    .openapi({ description: 'Decides the object key’s extension; the bytes are checked on completion' }),
  sizeBytes: z
    .number()
    .int()
    .positive()
    .openapi({ description: `Size of the file, at most ${MAX_VIDEO_BYTES} bytes` }),
})
  .strict()
  .openapi('DirectUploadRequest');

const PartsBody = z
  .object({ partNumbers: z.array(z.number().int().min(1).max(10_000)).min(1).max(1000) })
  .strict()
  .openapi('UploadPartsRequest');

const CompleteBody = z
  .object({
    parts: z
      .array(z.object({ partNumber: z.number().int().min(1).max(10_000), etag: z.string().min(1).max(200) }))
      .max(10_000)
      .optional()
      .openapi({ description: 'Every uploaded part with the ETag S3 returned for it' }),
  })
  .strict()
  .openapi('CompleteUploadRequest');

const UpdateLessonBody = z
  .object({
    title: z.string().trim().min(1).max(255),
    description: z.string().trim().max(10_000).nullable(),
    isPreview: z.boolean(),
  })
  .partial()
  .strict()
  .refine((body) => Object.keys(body).length > 0, { message: 'Provide at least one field to change' })
  .openapi('UpdateLessonRequest');

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

const DirectUploadSchema = z
  .object({
    lesson: LessonSchema,
    upload: z.object({
      partSize: z.number().int(),
      partCount: z.number().int(),
      expiresInSeconds: z.number().int(),
    }),
  })
  .openapi('DirectUpload');

const PartUrlsSchema = z
  .object({ parts: z.array(z.object({ partNumber: z.number().int(), url: z.string() })), expiresAt: z.string() })
  .openapi('UploadPartUrls');

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

/** 8 MiB parts, larger for large files so that no upload needs more than S3's 10,000 parts. */
export function partSizeFor(sizeBytes: number): number {
  const MiB = 1024 * 1024;
  return Math.max(8 * MiB, Math.ceil(sizeBytes / 10_000 / MiB) * MiB);
}

/** A lesson added as a free preview: only to a draft, whose previews are checked when it is submitted. */
function assertNewLessonMayBePreview(course: Pick<Course, 'status'>, isPreview: boolean): void {
  const violation = isPreview
    ? previewChangeViolation(course.status, [], { videoStatus: 'awaiting_upload', durationSeconds: null })
    : undefined;
  if (violation) throw badRequest(violation, { field: 'isPreview', in: 'body' });
}

/** A lesson video as the streamed upload receives it: MP4 or MOV by its first bytes, at most 5 GB. */
const VIDEO_UPLOAD: UploadKind<{ container: VideoContainer; contentType: string }> = {
  maxBytes: MAX_VIDEO_BYTES,
  sniffBytes: SNIFF_BYTES,
  sniff(head) {
    const container = sniffVideoContainer(head);
    return container && { container, contentType: CONTAINER_CONTENT_TYPES[container] };
  },
  messages: {
    tooLarge: MAX_VIDEO_SIZE_MESSAGE,
    unsupported: UNSUPPORTED_VIDEO_MESSAGE,
    failed: VIDEO_PROCESSING_FAILED_MESSAGE,
    missing: 'A video file is required in the "video" field',
  },
};

const INGEST_SLOTS_DESCRIPTION =
  'The instructor already has VIDEO_INGESTS_PER_INSTRUCTOR videos being processed (Retry-After says when to try again)';

const expiresAt = (): string => new Date(Date.now() + PRESIGNED_URL_TTL_SECONDS * 1000).toISOString();

export const lessonRoutes: RouteModule = (router, registry, deps) => {
  const bucket: Bucket = { s3: deps.s3, name: deps.config.S3_BUCKET };
  const ingest = new LessonVideos(deps, bucket);
  const ingestSlots = deps.config.VIDEO_INGESTS_PER_INSTRUCTOR;
  router.use('/api/courses/:id/lessons', drainRefusedUploads, infrastructureUnavailable);

  /** The caller manages the course: every lesson is playable to them. */
  const managerView = (course: Course, user: AuthUser): PlaybackContext => ({
    instructorId: course.instructor_id,
    viewer: user,
    viewerEnrolled: false,
  });

  defineRoute(
    router,
    registry,
    {
      method: 'post',
      path: '/api/courses/:id/lessons',
      summary: 'Add a lesson, streaming its video through the API',
      description:
        'multipart/form-data: the fields `title`, `description`, `isPreview`, `lessonOrder` (optional; appended by ' +
        'default), then the file `video` (MP4 or MOV, at most 5 GB). The video is streamed to storage as it arrives; ' +
        'processing starts once it is stored. For large files prefer the direct upload (POST /api/courses/{id}/lessons/uploads). ' +
        'Resource files (the spec’s `resources[]`) are attached one by one afterwards: POST …/lessons/{lessonId}/resources.',
      tags: ['lessons'],
      auth: ['instructor', 'admin'],
      forbiddenMessage: 'Only instructors can add lessons',
      rateLimit: 'upload',
      params: CourseParams,
      responses: {
        201: LessonSchema,
        400: { description: 'Invalid fields, or the file is not MP4/MOV' },
        409: { description: 'The lesson order is taken' },
        410: { description: COURSE_ARCHIVED },
        413: { description: MAX_VIDEO_SIZE_MESSAGE },
        415: { description: 'Not multipart/form-data' },
        429: { description: INGEST_SLOTS_DESCRIPTION },
      },
      openapi: {
        request: {
          body: {
            required: true,
            content: {
              'multipart/form-data': {
                schema: MultipartLessonFields.extend({
                  video: z.string().openapi({ type: 'string', format: 'binary' }),
                }),
              },
            },
          },
        },
      },
    },
    async (ctx, { params, user }) => {
      const course = await manageCourse(deps.knex, params.id, user);
      const videoId = randomUUID();
      const video = await streamFileToS3(ctx, {
        bucket,
        fileField: 'video',
        kind: VIDEO_UPLOAD,
        keyFor: ({ container }) => videoObjectKey(course.id, videoId, container),
        async acceptFields(raw) {
          const parsed = parseRequestPart(MultipartLessonFields, raw, 'body');
          if (!parsed.success) throw validationProblem(parsed.issues);
          // Refuse what is known to fail before the upload rather than after it (both are re-checked under the lock).
          assertNewLessonMayBePreview(course, parsed.data.isPreview);
          if (parsed.data.lessonOrder && (await isLessonOrderTaken(deps.knex, course.id, parsed.data.lessonOrder))) {
            throw lessonOrderTaken(parsed.data.lessonOrder);
          }
          await assertIngestSlot(deps.knex, course.instructor_id, ingestSlots);
          return parsed.data;
        },
      });
      // The first bytes were sniffed as they arrived; now that the size is known, the boxes must also fit the file.
      if (!(await ingest.isVideo(video.key, video.sizeBytes))) {
        await deleteVideoObjects(bucket, video.key);
        throw badRequest(UNSUPPORTED_VIDEO_MESSAGE);
      }
      let lesson: CourseLesson;
      try {
        lesson = await deps.knex.transaction(async (trx) => {
          const current = await manageCourse(trx, course.id, user, { forUpdate: true }); // still ours, not archived meanwhile
          assertNewLessonMayBePreview(current, video.fields.isPreview);
          await assertIngestSlot(trx, current.instructor_id, ingestSlots, { lock: true });
          return insertLesson(trx, {
            courseId: course.id,
            ...video.fields,
            videoKey: video.key,
            videoSizeBytes: video.sizeBytes,
          });
        });
      } catch (err) {
        await deleteVideoObjects(bucket, video.key);
        throw err;
      }
      ctx.status = 201;
      return toLessonResponse(await ingest.begin(lesson), bucket, managerView(course, user));
    },
  );

  defineRoute(
    router,
    registry,
    {
      method: 'post',
      path: '/api/courses/:id/lessons/uploads',
      summary: 'Add a lesson whose video is uploaded directly to storage',
      description:
        'Creates the lesson (awaiting its video) and an S3 multipart upload. Then ask for presigned part URLs ' +
        '(POST …/lessons/{lessonId}/upload/parts), PUT each part to its URL, and finish with POST …/upload/complete.',
      tags: ['lessons'],
      auth: ['instructor', 'admin'],
      forbiddenMessage: 'Only instructors can add lessons',
      rateLimit: 'upload',
      params: CourseParams,
      body: DirectUploadBody,
      responses: {
        201: DirectUploadSchema,
        409: { description: 'The lesson order is taken' },
        410: { description: COURSE_ARCHIVED },
        413: { description: MAX_VIDEO_SIZE_MESSAGE },
        429: { description: INGEST_SLOTS_DESCRIPTION },
      },
    },
    async (ctx, { params, body, user }) => {
      if (body.sizeBytes > MAX_VIDEO_BYTES) throw payloadTooLarge(MAX_VIDEO_SIZE_MESSAGE);
      const course = await manageCourse(deps.knex, params.id, user);
      assertNewLessonMayBePreview(course, body.isPreview);
      await assertIngestSlot(deps.knex, course.instructor_id, ingestSlots); // checked again, and claimed, on completion
      const container: VideoContainer = body.contentType === 'video/quicktime' ? 'mov' : 'mp4';
      const key = videoObjectKey(course.id, randomUUID(), container);
      const { UploadId } = await deps.s3.send(
        new CreateMultipartUploadCommand({
          Bucket: bucket.name,
          Key: key,
          ContentType: CONTAINER_CONTENT_TYPES[container],
          ServerSideEncryption: SERVER_SIDE_ENCRYPTION,
        }),
      );
      if (!UploadId) throw new Error('S3 returned no upload id');
      let lesson: CourseLesson;
      try {
        lesson = await deps.knex.transaction(async (trx) => {
          assertNewLessonMayBePreview(await manageCourse(trx, course.id, user, { forUpdate: true }), body.isPreview);
          return insertLesson(trx, {
            courseId: course.id,
            ...body,
            videoKey: key,
            videoUploadId: UploadId,
            videoSizeBytes: body.sizeBytes,
          });
        });
      } catch (err) {
        await abortUpload(deps, bucket, key, UploadId);
        throw err;
      }
      const partSize = partSizeFor(body.sizeBytes);
      ctx.status = 201;
      return {
        lesson: await toLessonResponse(lesson, bucket, managerView(course, user)),
        upload: {
          partSize,
          partCount: Math.ceil(body.sizeBytes / partSize),
          expiresInSeconds: PRESIGNED_URL_TTL_SECONDS,
        },
      };
    },
  );

  defineRoute(
    router,
    registry,
    {
      method: 'post',
      path: '/api/courses/:id/lessons/:lessonId/upload/parts',
      summary: 'Presigned URLs for parts of a direct upload',
      description:
        'PUT each part’s bytes to its URL (valid one hour) and keep the ETag header of each answer for the completion.',
      tags: ['lessons'],
      auth: ['instructor', 'admin'],
      forbiddenMessage: 'Only instructors can upload videos',
      params: LessonParams,
      body: PartsBody,
      responses: {
        200: PartUrlsSchema,
        400: { description: 'A part number beyond the upload’s part count' },
        409: { description: 'The lesson has no upload in progress' },
      },
    },
    async (_ctx, { params, body, user }) => {
      const { lesson } = await manageLesson(deps.knex, params, user);
      if (!lesson.video_upload_id || !lesson.video_key) throw conflict('The lesson has no upload in progress');
      const { video_key: key, video_upload_id: uploadId } = lesson;
      assertPartsOfUpload(lesson, body.partNumbers, 'partNumbers');
      const parts = await Promise.all(
        [...new Set(body.partNumbers)].map(async (partNumber) => ({
          partNumber,
          url: await getSignedUrl(
            deps.s3,
            new UploadPartCommand({ Bucket: bucket.name, Key: key, UploadId: uploadId, PartNumber: partNumber }),
            {
              expiresIn: PRESIGNED_URL_TTL_SECONDS,
            },
          ),
        })),
      );
      return { parts, expiresAt: expiresAt() };
    },
  );

  defineRoute(
    router,
    registry,
    {
      method: 'post',
      path: '/api/courses/:id/lessons/:lessonId/upload/complete',
      summary: 'Finish a direct upload and start processing',
      description:
        'Assembles the parts, checks the file is MP4/MOV and at most 5 GB, and starts processing. Repeating the ' +
        'call after it succeeded returns the lesson unchanged. A refused file leaves the lesson `failed` with the reason.',
      tags: ['lessons'],
      auth: ['instructor', 'admin'],
      forbiddenMessage: 'Only instructors can upload videos',
      params: LessonParams,
      body: CompleteBody,
      responses: {
        200: LessonSchema,
        400: { description: `${UNSUPPORTED_VIDEO_MESSAGE}, parts beyond the upload, or a size other than declared` },
        413: { description: MAX_VIDEO_SIZE_MESSAGE },
        429: { description: `${INGEST_SLOTS_DESCRIPTION}; the stored video waits, complete again later` },
      },
    },
    async (_ctx, { params, body, user }) => {
      const { course, lesson } = await manageLesson(deps.knex, params, user);
      const ready = lesson.video_status === 'awaiting_upload' ? await ingest.complete(lesson, body.parts) : lesson;
      return toLessonResponse(ready, bucket, managerView(course, user));
    },
  );

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
      return toLessonResponse(await ingest.retry(lesson, course.instructor_id), bucket, managerView(course, user));
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
      await ingest.discard(lesson);
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

/**
 * A lesson's video from "stored" to "processing" and, on deletion, out of the way: the steps both upload
 * paths share.
 */
class LessonVideos {
  constructor(
    private readonly deps: ApiDeps,
    private readonly bucket: Bucket,
  ) {}

  /**
   * Starts the ingest and shows the lesson `processing`. The workflow sets that state itself as it begins,
   * so a crash between the two steps leaves nothing inconsistent; only `awaiting_upload` changes here.
   */
  async begin(lesson: CourseLesson): Promise<CourseLesson> {
    try {
      await this.start(lesson);
    } catch (err) {
      // The video is stored and the lesson exists (awaiting its processing): completing again starts it.
      this.deps.log.warn({ err, lessonId: lesson.id }, 'could not start the video ingest');
      throw unavailable(VIDEO_PROCESSING_FAILED_MESSAGE, 5, {
        retryWith: `POST /api/courses/${lesson.course_id}/lessons/${lesson.id}/upload/complete`,
      });
    }
    await CourseLesson.query(this.deps.knex)
      .findById(lesson.id)
      .where({ video_status: 'awaiting_upload' })
      .patch({ video_status: 'processing' });
    return (await CourseLesson.query(this.deps.knex).findById(lesson.id)) ?? lesson;
  }

  /** Completes a direct upload (idempotent: a repeat after S3 assembled the parts finds the object), checks the file, begins processing. */
  async complete(
    lesson: CourseLesson,
    parts: { partNumber: number; etag: string }[] | undefined,
  ): Promise<CourseLesson> {
    const key = lesson.video_key;
    if (!key) throw conflict('The lesson has no upload in progress');
    let size = await objectSize(this.bucket, key);
    if (size === undefined) {
      if (!lesson.video_upload_id) throw conflict('The lesson has no upload in progress');
      if (!parts?.length) throw badRequest('parts are required to complete the upload', { field: 'parts', in: 'body' });
      assertPartsOfUpload(
        lesson,
        parts.map((p) => p.partNumber),
        'parts',
      );
      await this.deps.s3
        .send(
          new CompleteMultipartUploadCommand({
            Bucket: this.bucket.name,
            Key: key,
            UploadId: lesson.video_upload_id,
            MultipartUpload: {
              Parts: [...parts]
                .sort((a, b) => a.partNumber - b.partNumber)
                .map((p) => ({ PartNumber: p.partNumber, ETag: p.etag })),
            },
          }),
        )
        .catch((err: unknown) => {
          const status = (err as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
          // Wrong or missing parts are the client's to fix (S3 answers 400 InvalidPart / InvalidPartOrder / EntityTooSmall).
          if (status === 400)
            throw badRequest(`S3 refused the parts: ${(err as Error).name}`, { field: 'parts', in: 'body' });
          // NoSuchUpload: a concurrent completion got there first (checked below by the object's presence).
          if (status !== 404) throw err;
        });
      size = await objectSize(this.bucket, key);
      if (size === undefined) throw conflict('The upload is no longer in progress; start a new one');
    }
    if (size > MAX_VIDEO_BYTES) return this.refuse(lesson, payloadTooLarge(MAX_VIDEO_SIZE_MESSAGE));
    if (lesson.video_size_bytes !== null && size !== lesson.video_size_bytes) {
      return this.refuse(
        lesson,
        badRequest(`The uploaded file is ${size} bytes, but ${lesson.video_size_bytes} were declared; upload it again`),
      );
    }
    if (!(await this.isVideo(key, size))) return this.refuse(lesson, badRequest(UNSUPPORTED_VIDEO_MESSAGE));
    // Claims an ingest slot: refused (429), the lesson keeps its stored video and completing again later starts it.
    await this.deps.knex.transaction(async (trx) => {
      const { instructor_id } = await trx('courses')
        .where({ id: lesson.course_id })
        .first<{ instructor_id: string }>('instructor_id');
      await assertIngestSlot(trx, instructor_id, this.deps.config.VIDEO_INGESTS_PER_INSTRUCTOR, {
        lock: true,
        exceptLessonId: lesson.id,
      });
      await CourseLesson.query(trx).findById(lesson.id).patch({ video_upload_id: null, video_size_bytes: size });
    });
    return this.begin(lesson);
  }

  private async start(lesson: CourseLesson, options: { rerun?: boolean } = {}): Promise<void> {
    if (!lesson.video_key) throw new Error(`lesson ${lesson.id} has no video`);
    const course = await this.deps
      .knex('courses')
      .where({ id: lesson.course_id })
      .first<{ title: string; instructor_id: string }>('title', 'instructor_id');
    if (!course) throw new Error(`lesson ${lesson.id} has no course`);
    await startIngest(
      this.deps.temporal,
      this.deps.config,
      { lessonId: lesson.id, courseId: lesson.course_id, videoKey: lesson.video_key },
      { instructorId: course.instructor_id, lessonTitle: lesson.title, courseTitle: course.title },
      options,
    );
  }

  /**
   * Processes a failed lesson's stored original again (no re-upload): after a worker outage, an operator's
   * cancellation, or limits raised since. It takes an ingest slot like an upload; 409 when the original is gone.
   */
  async retry(lesson: CourseLesson, instructorId: string): Promise<CourseLesson> {
    if (lesson.video_status !== 'failed') {
      throw conflict(`Only a video whose processing failed can be processed again; this one is ${lesson.video_status}`);
    }
    if (!lesson.video_key || lesson.video_upload_id || (await objectSize(this.bucket, lesson.video_key)) === undefined)
      throw conflict('The original video is no longer stored; upload it again');
    if (await isIngestRunning(this.deps.temporal, lesson.id)) {
      throw conflict('The last processing is still finishing; retry in a few seconds', {
        headers: { 'Retry-After': '5' },
      });
    }
    const previous = { video_status: lesson.video_status, failure_reason: lesson.failure_reason };
    await this.deps.knex.transaction(async (trx) => {
      const claimed = await CourseLesson.query(trx)
        .findById(lesson.id)
        .where({ video_status: 'failed', video_key: lesson.video_key })
        .forUpdate();
      if (!claimed) throw conflict('The lesson changed meanwhile; reload it');
      await assertIngestSlot(trx, instructorId, this.deps.config.VIDEO_INGESTS_PER_INSTRUCTOR, {
        lock: true,
        exceptLessonId: lesson.id,
      });
      await claimed.$query(trx).patch({ video_status: 'processing', failure_reason: null, processing_percent: 0 });
    });
    try {
      await this.start(lesson, { rerun: true });
    } catch (err) {
      await CourseLesson.query(this.deps.knex)
        .findById(lesson.id)
        .where({ video_status: 'processing' })
        .patch(previous);
      this.deps.log.warn({ err, lessonId: lesson.id }, 'could not start the video ingest again');
      throw unavailable(VIDEO_PROCESSING_FAILED_MESSAGE, 5);
    }
    return (await CourseLesson.query(this.deps.knex).findById(lesson.id)) ?? lesson;
  }

  /** Whether a stored object of `size` bytes begins as an MP4/MOV file does (the check both upload paths end with). */
  async isVideo(key: string, size: number): Promise<boolean> {
    return sniffVideoContainer(await readObjectHead(this.bucket, key, SNIFF_BYTES), size) !== undefined;
  }

  /**
   * After the lesson row is gone: cancels processing, abandons an unfinished upload and deletes every object
   * of the video. A cancelled ingest may still write until ffmpeg is killed; it then finds the lesson gone and
   * deletes everything again itself (both clean-ups are idempotent).
   */
  async discard(lesson: CourseLesson): Promise<void> {
    await cancelIngest(this.deps.temporal, lesson.id);
    if (lesson.video_key && lesson.video_upload_id)
      await abortUpload(this.deps, this.bucket, lesson.video_key, lesson.video_upload_id);
    if (lesson.video_key) await deleteVideoObjects(this.bucket, lesson.video_key);
  }

  /** A refused file: its object is deleted, the lesson is `failed` with the reason, and the caller gets the problem. */
  private async refuse(lesson: CourseLesson, problem: Error & { detail?: string }): Promise<never> {
    if (lesson.video_key) await deleteVideoObjects(this.bucket, lesson.video_key);
    await CourseLesson.query(this.deps.knex)
      .findById(lesson.id)
      .patch({ video_status: 'failed', failure_reason: problem.detail ?? problem.message, video_upload_id: null });
    throw problem;
  }
}

/** Part numbers of a direct upload run from 1 to the count its declared size needs (`upload.partCount`); others are 400. */
function assertPartsOfUpload(lesson: CourseLesson, partNumbers: number[], field: string): void {
  const declared = lesson.video_size_bytes;
  if (declared === null) return;
  const partCount = Math.ceil(declared / partSizeFor(declared));
  const beyond = partNumbers.find((n) => n > partCount);
  if (beyond !== undefined) {
    throw badRequest(`Part ${beyond} is beyond this upload: a file of ${declared} bytes has ${partCount} part(s)`, {
      field,
      in: 'body',
    });
  }
}

/** Best effort: S3 expires abandoned multipart uploads by lifecycle rule anyway (and some S3-compatible stores cannot abort). */
async function abortUpload(deps: ApiDeps, bucket: Bucket, key: string, uploadId: string): Promise<void> {
  await deps.s3
    .send(new AbortMultipartUploadCommand({ Bucket: bucket.name, Key: key, UploadId: uploadId }))
    .catch((err: unknown) => {
      deps.log.warn({ err, key }, 'could not abort a multipart upload');
    });
}

/**
 * Storage (S3) and Temporal being unreachable or failing is not the client's doing and not a bug: 503 with
 * Retry-After, the cause in the log. Every step of these routes is safe to repeat.
 */
const infrastructureUnavailable: Middleware = async (ctx, next) => {
  try {
    await next();
  } catch (err) {
    if (err instanceof HttpProblem || !isInfrastructureError(err)) throw err;
    throw new HttpProblem(503, 'Video storage or processing is temporarily unavailable, retry', {
      headers: { 'Retry-After': '5' },
      cause: err,
    });
  }
};

function isInfrastructureError(err: unknown): boolean {
  if (err instanceof ServiceError) return true; // Temporal
  const e = err as { $metadata?: unknown; code?: unknown; name?: unknown };
  return (
    e?.$metadata !== undefined || // an S3 service error
    ['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND'].includes(String(e?.code)) ||
    e?.name === 'TimeoutError'
  );
}
