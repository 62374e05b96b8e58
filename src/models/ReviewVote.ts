import { Model, type RelationMappings } from 'objection';
import { BaseModel } from './BaseModel';
import { User } from './User';
import { CourseReview } from './CourseReview';

/** A "helpful" vote: one per user per review. */
export class ReviewVote extends BaseModel {
  static override tableName = 'review_votes';

  declare id: string;
  declare review_id: string;
  declare user_id: string;
  declare created_at: Date;

  declare review?: CourseReview;
  declare user?: User;

  static override relationMappings = (): RelationMappings => ({
    review: {
      relation: Model.BelongsToOneRelation,
      modelClass: CourseReview,
      join: { from: 'review_votes.review_id', to: 'course_reviews.id' },
    },
    user: {
      relation: Model.BelongsToOneRelation,
      modelClass: User,
      join: { from: 'review_votes.user_id', to: 'users.id' },
    },
  });
}
