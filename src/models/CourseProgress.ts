import { Model, type RelationMappings } from 'objection';
import { TimestampedModel } from './BaseModel';
import { Enrollment } from './Enrollment';
import { CourseLesson } from './CourseLesson';

/** Playback position and completion of one lesson within one enrollment. */
export class CourseProgress extends TimestampedModel {
  static override tableName = 'course_progress';

  declare id: string;
  declare enrollment_id: string;
  declare lesson_id: string;
  declare progress_seconds: number;
  declare completed: boolean;
  declare last_watched_at: Date;

  declare enrollment?: Enrollment;
  declare lesson?: CourseLesson;

  static override relationMappings = (): RelationMappings => ({
    enrollment: {
      relation: Model.BelongsToOneRelation,
      modelClass: Enrollment,
      join: { from: 'course_progress.enrollment_id', to: 'enrollments.id' },
    },
    lesson: {
      relation: Model.BelongsToOneRelation,
      modelClass: CourseLesson,
      join: { from: 'course_progress.lesson_id', to: 'course_lessons.id' },
    },
  });
}
