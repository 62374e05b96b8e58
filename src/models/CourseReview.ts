import { Model, type RelationMappings } from 'objection';
import { TimestampedModel } from './BaseModel';
import { User } from './User';
import { Course } from './Course';
import { Enrollment } from './Enrollment';
import { ReviewVote } from './ReviewVote';

/** One review per student per course (rating 1..5, text ≤ 500 chars); helpful_count mirrors review_votes. */
export class CourseReview extends TimestampedModel {
  static override tableName = 'course_reviews';

  declare id: string;
  declare course_id: string;
  declare reviewer_id: string;
  declare enrollment_id: string;
  declare rating: number;
  declare review_text: string | null;
  declare helpful_count: number;

  declare course?: Course;
  declare reviewer?: User;
  declare enrollment?: Enrollment;
  declare votes?: ReviewVote[];

  static override relationMappings = (): RelationMappings => ({
    course: {
      relation: Model.BelongsToOneRelation,
      modelClass: Course,
      join: { from: 'course_reviews.course_id', to: 'courses.id' },
    },
    reviewer: {
      relation: Model.BelongsToOneRelation,
      modelClass: User,
      join: { from: 'course_reviews.reviewer_id', to: 'users.id' },
    },
    enrollment: {
      relation: Model.BelongsToOneRelation,
      modelClass: Enrollment,
      join: { from: 'course_reviews.enrollment_id', to: 'enrollments.id' },
    },
    votes: {
      relation: Model.HasManyRelation,
      modelClass: ReviewVote,
      join: { from: 'course_reviews.id', to: 'review_votes.review_id' },
    },
  });
}
