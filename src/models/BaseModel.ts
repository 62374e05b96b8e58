import { Model } from 'objection';

/**
 * Base of every model. Property names are the snake_case column names (no name mapping), so what a model
 * holds is exactly what the row holds. Money columns are integer cents (`*_cents`).
 * Models are thin: columns, relations, trivial conversions. Business rules live in src/domain.
 */
export class BaseModel extends Model {}

/** Tables with an `updated_at` column: objection sets it on every update/patch made through the model. */
export class TimestampedModel extends BaseModel {
  declare created_at: Date;
  declare updated_at: Date;

  override $beforeUpdate(): void {
    this.updated_at = new Date();
  }
}
