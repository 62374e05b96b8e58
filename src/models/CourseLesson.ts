import { Model, type RelationMappings } from 'objection';
import type { LessonResource } from '../domain/resources';
import { TimestampedModel } from './BaseModel';
import { Course } from './Course';
import { CourseProgress } from './CourseProgress';
import { type LessonVideoStatus } from '../domain/statuses';

export { LESSON_VIDEO_STATUSES, type LessonVideoStatus } from '../domain/statuses';

/** One streaming rendition: an HLS media playlist and the fragmented MP4 it addresses by byte ranges. */
export interface LessonRendition {
  height: number;
  width: number;
  /** The fragmented MP4 (also playable progressively). */
  key: string;
  playlist_key: string;
  bitrate_kbps: number;
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
  /** S3 multipart upload id while a direct-to-S3 upload is in progress; null otherwise. */
  declare video_upload_id: string | null;
  /** bigint in the database (read as a number, see src/db/knex.ts); at most 5 GiB. */
  declare video_size_bytes: number | null;

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
