import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import {
  MAX_RESOURCE_BYTES,
  MAX_RESOURCES_PER_LESSON,
  RESOURCE_MESSAGES,
  RESOURCE_SNIFF_BYTES,
  resourceFilename,
  resourceKey,
  resourceObjectKey,
  resourceUrl,
  sizeMb,
  sniffResource,
  type LessonResource,
  type ResourceKind,
} from '../../domain/resources';
import { CourseLesson } from '../../models/CourseLesson';
import { deleteObjects, type Bucket } from '../../storage/video-objects';
import { COURSE_ARCHIVED, manageLesson } from '../course-access';
import { LessonResourceSchema, toResourceResponse } from '../course-views';
import { conflict, notFound, validationProblem } from '../../problems/http-problem';
import type { RouteModule } from '../http/context';
import { defineRoute } from '../http/define-route';
import { parseRequestPart } from '../http/validation';
import { streamFileToS3, type UploadKind } from '../streamed-upload';

/**
 * Lesson resources (spec MKT-004/MKT-006 `resources[]`, `resource_urls`): files an instructor attaches to a
 * lesson, one per request, streamed to storage like a lesson video (so a failed attachment never costs the
 * video's upload), and downloaded through the lesson by whoever may play it. The accepted kinds and the
 * limits are in src/domain/resources.ts.
 */

const ResourceParams = z.object({ id: z.uuid(), lessonId: z.uuid(), resourceId: z.uuid() });
const LessonParams = z.object({ id: z.uuid(), lessonId: z.uuid() });
/** The form carries only the file. */
const NoFields = z.object({}).strict();

const RESOURCE_UPLOAD: UploadKind<ResourceKind> = {
  maxBytes: MAX_RESOURCE_BYTES,
  sniffBytes: RESOURCE_SNIFF_BYTES,
  sniff: sniffResource,
  messages: { ...RESOURCE_MESSAGES, missing: 'A resource file is required in the "file" field' },
};

export const lessonResourceRoutes: RouteModule = (router, registry, deps) => {
  const bucket: Bucket = { s3: deps.s3, name: deps.config.S3_BUCKET };

  defineRoute(
    router,
    registry,
    {
      method: 'post',
      path: '/api/courses/:id/lessons/:lessonId/resources',
      summary: 'Attach a file (slides, PDF, code) to a lesson',
      description:
        `multipart/form-data with one file in the field \`file\`, at most ${MAX_RESOURCE_BYTES / 1024 / 1024} MB; ` +
        `${MAX_RESOURCES_PER_LESSON} files per lesson. Accepted by content: ${RESOURCE_MESSAGES.unsupported.replace('Resource must be ', '')}. ` +
        'Students download it through the lesson (`resources[].downloadUrl`) when they may play the lesson.',
      tags: ['lessons'],
      auth: ['instructor', 'admin'],
      forbiddenMessage: 'Only instructors can add lesson resources',
      params: LessonParams,
      responses: {
        201: LessonResourceSchema,
        400: { description: RESOURCE_MESSAGES.unsupported },
        409: { description: RESOURCE_MESSAGES.tooMany },
        410: { description: COURSE_ARCHIVED },
        413: { description: RESOURCE_MESSAGES.tooLarge },
        415: { description: 'Not multipart/form-data' },
      },
      openapi: {
        request: {
          body: {
            required: true,
            content: {
              'multipart/form-data': {
                schema: z.object({ file: z.string().openapi({ type: 'string', format: 'binary' }) }),
              },
            },
          },
        },
      },
    },
    async (ctx, { params, user }) => {
      const { course, lesson } = await manageLesson(deps.knex, params, user);
      // Refused before the upload when already full; checked again under the lock below.
      if (lesson.resource_urls.length >= MAX_RESOURCES_PER_LESSON) throw conflict(RESOURCE_MESSAGES.tooMany);
      const resourceId = randomUUID();
      const file = await streamFileToS3(ctx, {
        bucket,
        fileField: 'file',
        kind: RESOURCE_UPLOAD,
        async acceptFields(raw) {
          const parsed = parseRequestPart(NoFields, raw, 'body');
          if (!parsed.success) throw validationProblem(parsed.issues);
          return parsed.data;
        },
        keyFor: () => resourceObjectKey(course.id, resourceId),
      });
      const resource: LessonResource = {
        id: resourceId,
        filename: resourceFilename(file.filename),
        url: resourceUrl(bucket.name, file.key),
        size_mb: sizeMb(file.sizeBytes),
        size_bytes: file.sizeBytes,
        content_type: file.kind.contentType,
        uploaded_at: new Date().toISOString(),
      };
      try {
        await deps.knex.transaction(async (trx) => {
          // Still ours, not archived, the lesson still there — and still room, now that no one else can add.
          const { lesson: locked } = await manageLesson(trx, params, user, { forUpdate: true });
          if (locked.resource_urls.length >= MAX_RESOURCES_PER_LESSON) throw conflict(RESOURCE_MESSAGES.tooMany);
          await CourseLesson.query(trx)
            .findById(locked.id)
            .patch({ resource_urls: [...locked.resource_urls, resource] });
        });
      } catch (err) {
        await deleteObjects(bucket, [file.key]);
        throw err;
      }
      ctx.status = 201;
      return toResourceResponse(resource, bucket, true);
    },
  );

  defineRoute(
    router,
    registry,
    {
      method: 'delete',
      path: '/api/courses/:id/lessons/:lessonId/resources/:resourceId',
      summary: 'Remove a file from a lesson',
      tags: ['lessons'],
      auth: ['instructor', 'admin'],
      forbiddenMessage: 'Only instructors can remove lesson resources',
      params: ResourceParams,
      responses: { 204: null, 404: { description: RESOURCE_MESSAGES.notFound } },
    },
    async (_ctx, { params, user }) => {
      const removed = await deps.knex.transaction(async (trx) => {
        const { lesson } = await manageLesson(trx, params, user, { forUpdate: true });
        const resource = lesson.resource_urls.find((r) => r.id === params.resourceId);
        if (!resource) throw notFound(RESOURCE_MESSAGES.notFound);
        await CourseLesson.query(trx)
          .findById(lesson.id)
          .patch({ resource_urls: lesson.resource_urls.filter((r) => r.id !== resource.id) });
        return resource;
      });
      // After the commit: a failure here leaves an object nothing refers to, never a reference without its object.
      await deleteObjects(bucket, [resourceKey(removed)]);
    },
  );
};
