import type { Knex } from 'knex';

/** What a certificate says, with the enrollment state that decides whether it is still valid. */
export interface CertificateRecord {
  id: string;
  enrollment_id: string;
  issued_at: Date;
  completed_at: Date;
  enrollment_status: 'active' | 'revoked';
  student_name: string;
  course_title: string;
  instructor_name: string;
}

/**
 * Issues the enrollment's certificate unless it has one: one row per enrollment (unique index), so repeated
 * or concurrent downloads share it. The completion date is fixed now — the enrollment's completion if it is
 * complete, else today (the day the 90% threshold was claimed).
 */
export async function issueCertificate(knex: Knex, enrollmentId: string): Promise<void> {
  await knex.raw(
    `INSERT INTO certificates (enrollment_id, completed_at)
     SELECT e.id, coalesce(e.completed_at, now()) FROM enrollments e WHERE e.id = ?
     ON CONFLICT (enrollment_id) DO NOTHING`,
    [enrollmentId],
  );
}

export function findCertificate(
  knex: Knex,
  by: { id: string } | { enrollmentId: string },
): Promise<CertificateRecord | undefined> {
  return knex('certificates as cert')
    .join('enrollments as e', 'e.id', 'cert.enrollment_id')
    .join('users as s', 's.id', 'e.student_id')
    .join('courses as c', 'c.id', 'e.course_id')
    .join('users as i', 'i.id', 'c.instructor_id')
    .where('id' in by ? { 'cert.id': by.id } : { 'cert.enrollment_id': by.enrollmentId })
    .first<CertificateRecord | undefined>(
      'cert.id',
      'cert.enrollment_id',
      'cert.issued_at',
      'cert.completed_at',
      'e.status as enrollment_status',
      's.name as student_name',
      'c.title as course_title',
      'i.name as instructor_name',
    );
}
