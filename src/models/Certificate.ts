import { Model, type RelationMappings } from 'objection';
import { BaseModel } from './BaseModel';
import { Enrollment } from './Enrollment';

/** A completion certificate; `id` is the public certificate id (GET /api/certificates/:id). One per enrollment. */
export class Certificate extends BaseModel {
  static override tableName = 'certificates';

  declare id: string;
  declare enrollment_id: string;
  declare issued_at: Date;
  /** The completion date printed on the certificate, fixed at issue. */
  declare completed_at: Date;

  declare enrollment?: Enrollment;

  static override relationMappings = (): RelationMappings => ({
    enrollment: {
      relation: Model.BelongsToOneRelation,
      modelClass: Enrollment,
      join: { from: 'certificates.enrollment_id', to: 'enrollments.id' },
    },
  });
}
