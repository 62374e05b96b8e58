/**
 * Certificates (spec MKT-024) through HTTP: locked below 90% of the course with the spec's message, a real
 * PDF (its text extracted and read) once earned, issued once per enrollment, publicly verifiable by id.
 */
import { randomUUID } from 'node:crypto';
import pdfParse from 'pdf-parse';
import type { Response } from 'supertest';
import { startTestApi, type TestApi } from '../support/api';
import { createEnrolledStudent, revoke, watchLessons, type EnrolledStudent } from '../support/learning';

let t: TestApi;
beforeAll(async () => {
  t = await startTestApi();
});
afterAll(async () => {
  await t?.close();
});

const enrolled = (opts?: Parameters<typeof createEnrolledStudent>[2]) =>
  createEnrolledStudent(t.deps.knex, t.deps.config, opts);

/** supertest buffers unknown content types only when told how. */
function downloadCertificate(e: EnrolledStudent, auth = e.student.auth) {
  return t.request
    .get(`/api/enrollments/${e.enrollmentId}/certificate`)
    .set(auth)
    .buffer(true)
    .parse((res, callback) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => callback(null, Buffer.concat(chunks)));
    });
}

const problemOf = (res: Response) =>
  JSON.parse((res.body as Buffer).toString('utf8')) as { status: number; detail: string };

const certificatesOf = (enrollmentId: string) => t.deps.knex('certificates').where({ enrollment_id: enrollmentId });

describe('GET /api/enrollments/:id/certificate', () => {
  it('is locked below 90% of the course with 403 "Complete 90% of course to earn certificate", and issues nothing', async () => {
    const e = await enrolled({ lessons: 10 });
    await watchLessons(t, e, 8);
    const res = await downloadCertificate(e);
    expect(res.status).toBe(403);
    expect(problemOf(res).detail).toBe('Complete 90% of course to earn certificate');
    expect(await certificatesOf(e.enrollmentId)).toHaveLength(0);
  });

  it('at 90% returns a PDF naming the student, the course, the instructor, the completion date and a verifiable certificate id', async () => {
    const e = await enrolled({
      lessons: 10,
      studentName: 'Łukasz Żółć-Ørsted',
      instructorName: 'Grace Hopper',
      courseTitle: 'Compilers from Scratch: Parsing & Code Generation',
    });
    await watchLessons(t, e, 9);

    const res = await downloadCertificate(e);
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('application/pdf');
    const pdf = res.body as Buffer;
    expect(pdf.subarray(0, 5).toString('latin1')).toBe('%PDF-');

    const [certificate] = await certificatesOf(e.enrollmentId);
    expect(res.headers['content-disposition']).toBe(`attachment; filename="certificate-${certificate.id}.pdf"`);

    const { text, numpages } = await pdfParse(pdf);
    expect(numpages).toBe(1);
    const flat = text.replace(/\s+/g, ' ');
    expect(flat).toContain('Certificate of Completion');
    expect(flat).toContain('Łukasz Żółć-Ørsted');
    expect(flat).toContain('Compilers from Scratch: Parsing & Code Generation');
    expect(flat).toContain('taught by Grace Hopper');
    const completedOn = new Intl.DateTimeFormat('en-US', { dateStyle: 'long', timeZone: 'UTC' }).format(
      certificate.completed_at,
    );
    expect(flat).toContain(`Completed on ${completedOn}`);
    expect(flat).toContain(`Certificate ID: ${certificate.id}`);
    expect(flat).toContain(`/api/certificates/${certificate.id}`);
  });

  it('is issued once: repeated and concurrent downloads share one certificate row and id', async () => {
    const e = await enrolled({ lessons: 2 });
    await watchLessons(t, e, 2);
    const results = await Promise.all([1, 2, 3, 4].map(() => downloadCertificate(e)));
    expect(results.map((r) => r.status)).toEqual([200, 200, 200, 200]);
    const rows = await certificatesOf(e.enrollmentId);
    expect(rows).toHaveLength(1);
    // The enrollment is complete (100%): that is the date on the certificate.
    const enrollment = await t.deps.knex('enrollments').where({ id: e.enrollmentId }).first('completed_at');
    expect(rows[0].completed_at).toEqual(enrollment.completed_at);

    const again = await downloadCertificate(e);
    expect((await pdfParse(again.body as Buffer)).text).toContain(rows[0].id);
    expect(await certificatesOf(e.enrollmentId)).toHaveLength(1);
  });

  it('stays available once issued, even if the course grows below 90% afterwards', async () => {
    const e = await enrolled({ lessons: 2 });
    await watchLessons(t, e, 2);
    expect((await downloadCertificate(e)).status).toBe(200);
    await t.deps.knex('course_lessons').insert({
      course_id: e.course.id,
      title: 'Bonus',
      lesson_order: 3,
      video_status: 'ready',
      video_key: `courses/${e.course.id}/videos/bonus.mp4`,
      video_duration_seconds: 60,
    });
    const progress = await t.request.get(`/api/enrollments/${e.enrollmentId}/progress`).set(e.student.auth);
    expect(progress.body.enrollment).toMatchObject({ progress: { completionPercent: 66 }, certificateEligible: true });
    expect((await downloadCertificate(e)).status).toBe(200);
  });

  it('is the enrolled student’s own: another student 403, revoked enrollment 403, unknown 404', async () => {
    const e = await enrolled({ lessons: 1 });
    await watchLessons(t, e, 1);
    const other = await enrolled();
    const stranger = await downloadCertificate(e, other.student.auth);
    expect([stranger.status, problemOf(stranger).detail]).toEqual([403, 'Access denied - not enrolled']);
    const unknown = await t.request.get(`/api/enrollments/${randomUUID()}/certificate`).set(e.student.auth);
    expect([unknown.status, unknown.body.detail]).toEqual([404, 'Enrollment not found']);

    await revoke(t.deps.knex, e.enrollmentId);
    const revoked = await downloadCertificate(e);
    expect([revoked.status, problemOf(revoked).detail]).toEqual([403, 'Access denied - enrollment revoked']);
    expect(await certificatesOf(e.enrollmentId)).toHaveLength(0);
    expect((await t.request.get(`/api/enrollments/${e.enrollmentId}/certificate`)).status).toBe(401);
  });
});

describe('GET /api/certificates/:id (public verification)', () => {
  it('confirms who completed what and when, without authentication; a refund makes it invalid', async () => {
    const e = await enrolled({
      lessons: 1,
      studentName: 'Ada Lovelace',
      instructorName: 'Charles Babbage',
      courseTitle: 'Analytical Engines',
    });
    await watchLessons(t, e, 1);
    expect((await downloadCertificate(e)).status).toBe(200);
    const [certificate] = await certificatesOf(e.enrollmentId);

    const res = await t.request.get(`/api/certificates/${certificate.id}`);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      certificateId: certificate.id,
      valid: true,
      studentName: 'Ada Lovelace',
      courseTitle: 'Analytical Engines',
      instructorName: 'Charles Babbage',
      completedAt: certificate.completed_at.toISOString(),
      issuedAt: certificate.issued_at.toISOString(),
    });

    await revoke(t.deps.knex, e.enrollmentId);
    expect((await t.request.get(`/api/certificates/${certificate.id}`)).body.valid).toBe(false);
  });

  it('answers 404 "Certificate not found" for an unknown id and 400 for a malformed one', async () => {
    const unknown = await t.request.get(`/api/certificates/${randomUUID()}`);
    expect([unknown.status, unknown.body.detail]).toEqual([404, 'Certificate not found']);
    expect((await t.request.get('/api/certificates/12345')).status).toBe(400);
  });
});
