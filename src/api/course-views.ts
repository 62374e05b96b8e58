import contentDisposition from 'content-disposition';
import { z } from 'zod';
import type { AuthUser } from '../accounts/identity';
import { mayPlayLesson, type Viewer } from '../domain/courses';
import {
  COURSE_CATEGORIES,
  COURSE_DIFFICULTY_LEVELS,
  COURSE_PRICING_MODELS,
  COURSE_STATUSES,
  type Course,
} from '../models/Course';
import { LESSON_VIDEO_STATUSES, type CourseLesson } from '../models/CourseLesson';
import { resourceKey, type LessonResource } from '../domain/resources';
import {
  PRESIGNED_URL_TTL_SECONDS,
  presignedDownloadUrl,
  presignedGetUrl,
  type Bucket,
} from '../storage/video-objects';
import { NullableTimestamp, Timestamp } from './http/schemas';

/**
 * How courses and lessons look in responses (camelCase, money in cents, URLs signed per request), and the
 * one function that decides which URLs a viewer gets. Other course endpoints (lists, search) reuse CourseSchema.
 */

export const CourseSchema = z
  .object({
    id: z.uuid(),
    instructorId: z.uuid(),
    title: z.string(),
    description: z.string(),
    category: z.enum(COURSE_CATEGORIES),
    difficultyLevel: z.enum(COURSE_DIFFICULTY_LEVELS),
    pricingModel: z.enum(COURSE_PRICING_MODELS),
    priceCents: z.number().int().nullable().openapi({ description: 'One-time price in US cents (one_time courses)' }),
    subscriptionPriceCents: z
      .number()
      .int()
      .nullable()
      .openapi({ description: 'Monthly price in US cents (subscription courses)' }),
    status: z.enum(COURSE_STATUSES),
    thumbnailUrl: z.string().nullable(),
    totalDurationMinutes: z.number().int(),
    ratingAverage: z.number(),
    ratingCount: z.number().int(),
    enrollmentCount: z.number().int(),
    publishedAt: NullableTimestamp,
    createdAt: Timestamp,
    updatedAt: Timestamp,
  })
  .openapi('Course');

export const LessonResourceSchema = z
  .object({
    id: z.uuid(),
    filename: z.string(),
    contentType: z.string(),
    sizeBytes: z.number().int(),
    sizeMb: z.number(),
    uploadedAt: Timestamp,
    downloadUrl: z.string().nullable().openapi({
      description: 'Presigned, valid for one hour, downloads the file; only for viewers who may play the lesson',
    }),
  })
  .openapi('LessonResource');

export const LessonSchema = z
  .object({
    id: z.uuid(),
    courseId: z.uuid(),
    title: z.string(),
    description: z.string().nullable(),
    lessonOrder: z.number().int(),
    isPreview: z.boolean(),
    durationSeconds: z.number().int().nullable(),
    video: z.object({
      status: z.enum(LESSON_VIDEO_STATUSES),
      percent: z.number().int().openapi({ description: 'Processing progress, 0–100' }),
      failureReason: z.string().nullable(),
    }),
    thumbnailUrl: z.string().nullable().openapi({ description: 'Presigned, valid for one hour' }),
    locked: z.boolean().openapi({ description: 'True when the viewer may not play this lesson (paid, not enrolled)' }),
    playbackUrl: z
      .string()
      .nullable()
      .openapi({ description: 'Presigned, valid for one hour; only for viewers who may play a ready lesson' }),
    resources: z
      .array(LessonResourceSchema)
      .openapi({ description: 'Files that come with the lesson (slides, PDFs, code)' }),
  })
  .openapi('Lesson');

export const CourseDetailSchema = CourseSchema.extend({ lessons: z.array(LessonSchema) }).openapi('CourseDetail');

export function toCourseResponse(course: Course): z.input<typeof CourseSchema> {
  return {
    id: course.id,
    instructorId: course.instructor_id,
    title: course.title,
    description: course.description,
    category: course.category,
    difficultyLevel: course.difficulty_level,
    pricingModel: course.pricing_model,
    priceCents: course.price_cents,
    subscriptionPriceCents: course.subscription_price_cents,
    status: course.status,
    thumbnailUrl: course.thumbnail_url,
    totalDurationMinutes: course.total_duration_minutes,
    ratingAverage: course.rating_average,
    ratingCount: course.rating_count,
    enrollmentCount: course.enrollment_count,
    publishedAt: course.published_at,
    createdAt: course.created_at,
    updatedAt: course.updated_at,
  };
}

/** The course a lesson belongs to, as far as playback decisions need it. */
export interface PlaybackContext {
  instructorId: string;
  viewer: Viewer | undefined;
  viewerEnrolled: boolean;
}

/** The caller manages the course: every lesson is playable to them. */
export function managerView(course: Course, user: AuthUser): PlaybackContext {
  return { instructorId: course.instructor_id, viewer: user, viewerEnrolled: false };
}

export function mayPlay(lesson: CourseLesson, context: PlaybackContext): boolean {
  return mayPlayLesson({ isPreview: lesson.is_preview }, context.viewer, context);
}

/** What a ready lesson streams: the best rendition's fragmented MP4 (plays progressively), or the original before renditions exist. */
export function playbackKey(lesson: CourseLesson): string | null {
  if (lesson.video_status !== 'ready') return null;
  const best = [...lesson.renditions].sort((a, b) => b.height - a.height)[0];
  return best?.key ?? lesson.video_key;
}

export async function toLessonResponse(
  lesson: CourseLesson,
  bucket: Bucket,
  context: PlaybackContext,
): Promise<z.input<typeof LessonSchema>> {
  const playable = mayPlay(lesson, context);
  const key = playable ? playbackKey(lesson) : null;
  return {
    id: lesson.id,
    courseId: lesson.course_id,
    title: lesson.title,
    description: lesson.description,
    lessonOrder: lesson.lesson_order,
    isPreview: lesson.is_preview,
    durationSeconds: lesson.video_duration_seconds,
    video: { status: lesson.video_status, percent: lesson.processing_percent, failureReason: lesson.failure_reason },
    thumbnailUrl: lesson.thumbnail_key ? await presignedGetUrl(bucket, lesson.thumbnail_key) : null,
    locked: !playable,
    playbackUrl: key ? await presignedGetUrl(bucket, key, PRESIGNED_URL_TTL_SECONDS) : null,
    resources: await Promise.all(
      lesson.resource_urls.map((resource) => toResourceResponse(resource, bucket, playable)),
    ),
  };
}

/** Set on each download URL: served as a download under the instructor’s file name, never rendered from the storage’s origin. */
const resourceDisposition = (filename: string): string => contentDisposition(filename, { type: 'attachment' });

/** A lesson resource, with its download URL for those who may play the lesson (the same rule as the video). */
export async function toResourceResponse(
  resource: LessonResource,
  bucket: Bucket,
  mayDownload: boolean,
): Promise<z.input<typeof LessonResourceSchema>> {
  return {
    id: resource.id,
    filename: resource.filename,
    contentType: resource.content_type,
    sizeBytes: resource.size_bytes,
    sizeMb: resource.size_mb,
    uploadedAt: resource.uploaded_at,
    downloadUrl: mayDownload
      ? await presignedDownloadUrl(bucket, resourceKey(resource), resourceDisposition(resource.filename))
      : null,
  };
}
