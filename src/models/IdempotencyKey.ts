import { Model, type RelationMappings } from 'objection';
import { BaseModel } from './BaseModel';
import { User } from './User';

/** A stored `Idempotency-Key`; primary key (scope, user_id, key). response_status null = in progress. */
export class IdempotencyKey extends BaseModel {
  static override tableName = 'idempotency_keys';
  static override idColumn = ['scope', 'user_id', 'key'];
  static override jsonAttributes = ['response_body'];

  declare scope: string;
  declare user_id: string;
  declare key: string;
  declare request_hash: string;
  declare response_status: number | null;
  declare response_body: unknown;
  declare resource_id: string | null;
  declare created_at: Date;
  declare expires_at: Date;

  declare user?: User;

  static override relationMappings = (): RelationMappings => ({
    user: {
      relation: Model.BelongsToOneRelation,
      modelClass: User,
      join: { from: 'idempotency_keys.user_id', to: 'users.id' },
    },
  });
}
