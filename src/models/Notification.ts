import { Model, type RelationMappings } from 'objection';
import { BaseModel } from './BaseModel';
import { User } from './User';

/** The e-mail outbox; dedupe_key (unique) makes a retried writer insert once. */
export class Notification extends BaseModel {
  static override tableName = 'notifications';
  static override jsonAttributes = ['payload'];

  declare id: string;
  declare user_id: string;
  declare kind: string;
  declare payload: Record<string, unknown>;
  declare dedupe_key: string;
  declare attempts: number;
  declare last_error: string | null;
  declare created_at: Date;
  declare sent_at: Date | null;

  declare user?: User;

  static override relationMappings = (): RelationMappings => ({
    user: {
      relation: Model.BelongsToOneRelation,
      modelClass: User,
      join: { from: 'notifications.user_id', to: 'users.id' },
    },
  });
}
