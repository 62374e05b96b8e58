import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { assertIngestSlot, INGEST_SLOTS_DESCRIPTION } from '../../courses/ingest-slots';
import { assertPartsOfUpload, LessonVideos } from '../../courses/lesson-videos';
import { insertLesson, isLessonOrderTaken, lessonOrderTaken } from '../../courses/lessons';
import { previewChangeViolation } from '../../domain/courses';
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
import type { CourseLesson } from '../../models/CourseLesson';
import { badRequest, conflict, payloadTooLarge, validationProblem } from '../../problems/http-problem';
import { createMultipartUpload, partSizeFor, presignedPartUrl } from '../../storage/multipart-uploads';
import { deleteVideoObjects, PRESIGNED_URL_TTL_SECONDS, type Bucket } from '../../storage/video-objects';
import { COURSE_ARCHIVED, manageCourse, manageLesson } from '../course-access';
import { LessonSchema, managerView, toLessonResponse } from '../course-views';
import type { RouteModule } from '../http/context';
import { defineRoute } from '../http/define-route';
import { parseRequestPart } from '../http/validation';
import { drainRefusedUploads, streamFileToS3, type UploadKind } from '../streamed-upload';

/**
 * Lesson uploads (spec MKT-004–MKT-006): a new lesson with its video streamed through the API, or uploaded
 * directly to S3 with presigned multipart URLs and completed here. The video's life from there (processing,
 * refusal, clean-up) is src/courses/lesson-videos.ts; the ingest workflow processes it (workflows/ingest.ts).
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

const expiresAt = (): string => new Date(Date.now() + PRESIGNED_URL_TTL_SECONDS * 1000).toISOString();

export const lessonUploadRoutes: RouteModule = (router, registry, deps) => {
  const bucket: Bucket = { s3: deps.s3, name: deps.config.S3_BUCKET };
  const videos = new LessonVideos(deps, bucket);
  const ingestSlots = deps.config.VIDEO_INGESTS_PER_INSTRUCTOR;
  router.use('/api/courses/:id/lessons', drainRefusedUploads);

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
      if (!(await videos.isVideo(video.key, video.sizeBytes))) {
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
      return toLessonResponse(await videos.begin(lesson), bucket, managerView(course, user));
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
      const UploadId = await createMultipartUpload(bucket, key, CONTAINER_CONTENT_TYPES[container]);
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
        await videos.abandonUpload(key, UploadId);
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
          url: await presignedPartUrl(bucket, key, uploadId, partNumber),
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
      const ready = lesson.video_status === 'awaiting_upload' ? await videos.complete(lesson, body.parts) : lesson;
      return toLessonResponse(ready, bucket, managerView(course, user));
    },
  );
};
