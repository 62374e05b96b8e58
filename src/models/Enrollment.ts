import { Model, type RelationMappings } from 'objection';
import { TimestampedModel } from './BaseModel';
import { User } from './User';
import { Course } from './Course';
import { Transaction } from './Transaction';
import { CourseProgress } from './CourseProgress';
import { CourseReview } from './CourseReview';
import { Certificate } from './Certificate';
import { type EnrollmentStatus } from '../domain/statuses';

export { ENROLLMENT_STATUSES, type EnrollmentStatus } from '../domain/statuses';

/** A student's access to a course; one row per (course, student). */
export class Enrollment extends TimestampedModel {
  static override tableName = 'enrollments';

  declare id: string;
  declare course_id: string;
  declare student_id: string;
  declare transaction_id: string;
  declare status: EnrollmentStatus;
  declare enrolled_at: Date;
  declare last_accessed_at: Date | null;
  declare completed_at: Date | null;
  declare revoked_at: Date | null;

  declare course?: Course;
  declare student?: User;
  declare transaction?: Transaction;
  declare progress?: CourseProgress[];
  declare review?: CourseReview | null;
  declare certificate?: Certificate | null;

  static override relationMappings = (): RelationMappings => ({
    course: {
      relation: Model.BelongsToOneRelation,
      modelClass: Course,
      join: { from: 'enrollments.course_id', to: 'courses.id' },
    },
    student: {
      relation: Model.BelongsToOneRelation,
      modelClass: User,
      join: { from: 'enrollments.student_id', to: 'users.id' },
    },
    transaction: {
      relation: Model.BelongsToOneRelation,
      modelClass: Transaction,
      join: { from: 'enrollments.transaction_id', to: 'transactions.id' },
    },
    progress: {
      relation: Model.HasManyRelation,
      modelClass: CourseProgress,
      join: { from: 'enrollments.id', to: 'course_progress.enrollment_id' },
    },
    review: {
      relation: Model.HasOneRelation,
      modelClass: CourseReview,
      join: { from: 'enrollments.id', to: 'course_reviews.enrollment_id' },
    },
    certificate: {
      relation: Model.HasOneRelation,
      modelClass: Certificate,
      join: { from: 'enrollments.id', to: 'certificates.enrollment_id' },
    },
  });
}
