import { Model, type RelationMappings } from 'objection';
import { TimestampedModel } from './BaseModel';
import { Course } from './Course';
import { CourseProgress } from './CourseProgress';

/** DESIGN §9: awaiting_upload → processing → ready | failed (with a reason). */
export const LESSON_VIDEO_STATUSES = ['awaiting_upload', 'processing', 'ready', 'failed'] as const;
export type LessonVideoStatus = (typeof LESSON_VIDEO_STATUSES)[number];

export interface LessonResource {
  filename: string;
  url: string;
  size_mb?: number;
}

export interface LessonRendition {
  height: number;
  key: string;
  bitrate_kbps?: number;
  [extra: string]: unknown;
}

export class CourseLesson extends TimestampedModel {
  static override tableName = 'course_lessons';
  static override jsonAttributes = ['resource_urls', 'renditions'];

  declare id: string;
  declare course_id: string;
  declare title: string;
  declare description: string | null;
  /** > 0; unique per course (deferrable: `SET CONSTRAINTS idx_lessons_course_order DEFERRED` to reorder). */
  declare lesson_order: number;
  declare is_preview: boolean;
  declare resource_urls: LessonResource[];
  declare video_status: LessonVideoStatus;
  /** S3 key of the uploaded original; null until uploaded. */
  declare video_key: string | null;
  /** Known once probed; null before. */
  declare video_duration_seconds: number | null;
  declare processing_percent: number;
  declare failure_reason: string | null;
  declare thumbnail_key: string | null;
  declare stream_manifest_key: string | null;
  declare renditions: LessonRendition[];

  declare course?: Course;
  declare progress?: CourseProgress[];

  static override relationMappings = (): RelationMappings => ({
    course: {
      relation: Model.BelongsToOneRelation,
      modelClass: Course,
      join: { from: 'course_lessons.course_id', to: 'courses.id' },
    },
    progress: {
      relation: Model.HasManyRelation,
      modelClass: CourseProgress,
      join: { from: 'course_lessons.id', to: 'course_progress.lesson_id' },
    },
  });
}
