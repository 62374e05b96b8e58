// Over 350 lines on purpose: five routes (enroll, list, progress, certificate, revoke) with their schemas and OpenAPI text; the rules are in src/learning.
import type { Knex } from 'knex';
import { z } from 'zod';
import {
  canEarnCertificate,
  CERTIFICATE_MIN_PERCENT,
  completionPercent,
  LESSON_COMPLETE_PERCENT,
} from '../../domain/learning';
import { renderCertificatePdf } from '../../learning/certificate-pdf';
import { findCertificate, issueCertificate } from '../../learning/certificates';
import {
  findEnrollmentSummary,
  listLessonProgress,
  listStudentEnrollments,
  type EnrollmentSummary,
} from '../../learning/enrollments';
import {
  describeRejectedProgress,
  enrollmentAccess,
  saveLessonProgress,
  type EnrollmentAccess,
  type ProgressRejection,
} from '../../learning/progress';
import type { AuthUser } from '../../accounts/identity';
import { badRequest, conflict, forbidden, HttpProblem, notFound, unavailable } from '../../problems/http-problem';
import type { AppContext, RouteModule } from '../http/context';
import { defineRoute } from '../http/define-route';
import { IdParams, NullableTimestamp, Timestamp } from '../http/schemas';

/** Spec MKT-024's wording where it has one. */
export const LEARNING_MESSAGES = {
  enrollmentNotFound: 'Enrollment not found',
  notEnrolled: 'Access denied - not enrolled',
  revoked: 'Access denied - enrollment revoked',
  lessonNotFound: 'Lesson not found in this course',
  lessonNotReady: 'Lesson video is not ready yet',
  invalidProgress: 'Invalid progress value',
  certificateLocked: `Complete ${CERTIFICATE_MIN_PERCENT}% of course to earn certificate`,
  certificateNotFound: 'Certificate not found',
} as const;

const accessProblems: Record<Exclude<EnrollmentAccess, 'ok'>, () => HttpProblem> = {
  enrollment_not_found: () => notFound(LEARNING_MESSAGES.enrollmentNotFound),
  not_enrolled: () => forbidden(LEARNING_MESSAGES.notEnrolled),
  revoked: () => forbidden(LEARNING_MESSAGES.revoked),
};

const rejectionProblems: Record<ProgressRejection, () => HttpProblem> = {
  ...accessProblems,
  lesson_not_found: () => notFound(LEARNING_MESSAGES.lessonNotFound),
  lesson_not_ready: () => conflict(LEARNING_MESSAGES.lessonNotReady),
  beyond_duration: () => badRequest(LEARNING_MESSAGES.invalidProgress, { field: 'progressSeconds', in: 'body' }),
  changed: () => unavailable('The enrollment changed while saving progress, please retry', 1),
};

/** The caller's own, active enrollment — or the problem that says why not. */
async function ownEnrollment(knex: Knex, id: string, user: AuthUser): Promise<EnrollmentSummary> {
  const enrollment = await findEnrollmentSummary(knex, { id });
  const access = enrollmentAccess(enrollment, user.id);
  if (access !== 'ok') throw accessProblems[access]();
  return enrollment as EnrollmentSummary; // 'ok' means it was found
}

/** Where the public verification lives: PUBLIC_URL when configured, else the host this request came to. */
function verificationUrl(ctx: AppContext, publicUrl: string | undefined, certificateId: string): string {
  const path = `/api/certificates/${certificateId}`;
  try {
    return new URL(path, publicUrl ?? `${ctx.protocol}://${ctx.host}`).toString();
  } catch {
    return path; // a Host header that is no host
  }
}

// --- schemas ---------------------------------------------------------------------------------

const ProgressSummarySchema = z.object({
  completedLessons: z.number().int(),
  totalLessons: z.number().int().openapi({ description: 'Lessons whose video is ready to watch' }),
  completionPercent: z.number().int().min(0).max(100).openapi({ description: 'Whole percent, rounded down' }),
});

const EnrollmentSchema = z
  .object({
    id: z.uuid(),
    status: z.enum(['active', 'revoked']),
    enrolledAt: Timestamp,
    lastAccessedAt: NullableTimestamp,
    completedAt: NullableTimestamp.openapi({ description: 'When the last lesson was completed' }),
    progress: ProgressSummarySchema,
    certificateEligible: z.boolean(),
    certificateId: z.uuid().nullable(),
  })
  .openapi('Enrollment');

const LearningItemSchema = EnrollmentSchema.extend({
  course: z.object({
    id: z.uuid(),
    title: z.string(),
    thumbnailUrl: z.string().nullable(),
    instructor: z.object({ id: z.uuid(), name: z.string() }),
  }),
}).openapi('LearningItem');

const LessonProgressSchema = z
  .object({
    lessonId: z.uuid(),
    title: z.string(),
    lessonOrder: z.number().int(),
    available: z
      .boolean()
      .openapi({ description: 'The video is ready; only available lessons count towards progress' }),
    durationSeconds: z.number().int().nullable(),
    progressSeconds: z.number().int(),
    watchedPercent: z.number().int().min(0).max(100),
    completed: z.boolean(),
    lastWatchedAt: NullableTimestamp,
  })
  .openapi('LessonProgress');

const SavedProgressSchema = z
  .object({
    lessonId: z.uuid(),
    progressSeconds: z.number().int(),
    completed: z.boolean(),
    lastWatchedAt: Timestamp,
  })
  .openapi('SavedLessonProgress');

const ProgressBody = z
  .object({
    progressSeconds: z
      .number({ error: LEARNING_MESSAGES.invalidProgress })
      .min(0, { error: LEARNING_MESSAGES.invalidProgress })
      .max(2_147_483_647, { error: LEARNING_MESSAGES.invalidProgress })
      // Players report fractions of a second; the position is kept in whole seconds.
      .transform(Math.floor)
      .openapi({ description: 'Playback position in seconds, at most the lesson duration', example: 184.5 }),
  })
  .openapi('LessonProgressUpdate', {
    description: `Completion is decided by the server: a lesson is completed once the position reaches ${LESSON_COMPLETE_PERCENT}% of its duration (other fields, e.g. the spec's \`completed\`, are ignored).`,
  });

const CertificateVerificationSchema = z
  .object({
    certificateId: z.uuid(),
    valid: z.boolean().openapi({ description: 'False once the enrollment was revoked (refund)' }),
    studentName: z.string(),
    courseTitle: z.string(),
    instructorName: z.string(),
    completedAt: Timestamp,
    issuedAt: Timestamp,
  })
  .openapi('CertificateVerification');

const PageQuery = z.object({
  page: z.coerce.number().int().min(1).max(10_000).default(1),
  limit: z.coerce.number().int().min(1).max(100).default(20),
});

function toEnrollmentResponse(e: EnrollmentSummary): z.input<typeof EnrollmentSchema> {
  return {
    id: e.id,
    status: e.status,
    enrolledAt: e.enrolled_at,
    lastAccessedAt: e.last_accessed_at,
    completedAt: e.completed_at,
    progress: {
      completedLessons: e.completed_lessons,
      totalLessons: e.total_lessons,
      completionPercent: completionPercent(e.completed_lessons, e.total_lessons),
    },
    certificateEligible: e.certificate_id !== null || canEarnCertificate(e.completed_lessons, e.total_lessons),
    certificateId: e.certificate_id,
  };
}

// --- routes ----------------------------------------------------------------------------------

export const enrollmentRoutes: RouteModule = (router, registry, deps) => {
  defineRoute(
    router,
    registry,
    {
      method: 'get',
      path: '/api/enrollments',
      summary: 'My learning: the signed-in student’s courses with progress and last access',
      tags: ['learning'],
      auth: 'user',
      query: PageQuery.extend({ status: z.enum(['active', 'revoked', 'all']).default('active') }),
      responses: {
        200: z.object({
          items: z.array(LearningItemSchema),
          page: z.number().int(),
          limit: z.number().int(),
          total: z.number().int(),
        }),
      },
    },
    async (_ctx, { user, query }) => {
      const { items, total } = await listStudentEnrollments(deps.knex, user.id, {
        status: query.status,
        limit: query.limit,
        offset: (query.page - 1) * query.limit,
      });
      return {
        items: items.map((item) => ({
          ...toEnrollmentResponse(item),
          course: {
            id: item.course_id,
            title: item.course_title,
            thumbnailUrl: item.course_thumbnail_url,
            instructor: { id: item.instructor_id, name: item.instructor_name },
          },
        })),
        page: query.page,
        limit: query.limit,
        total,
      };
    },
  );

  defineRoute(
    router,
    registry,
    {
      method: 'get',
      path: '/api/enrollments/:id/progress',
      summary: 'Progress of one enrollment, lesson by lesson',
      tags: ['learning'],
      auth: 'user',
      params: IdParams,
      responses: {
        200: z.object({ enrollment: EnrollmentSchema, lessons: z.array(LessonProgressSchema) }),
        403: { description: `${LEARNING_MESSAGES.notEnrolled} | ${LEARNING_MESSAGES.revoked}` },
        404: { description: LEARNING_MESSAGES.enrollmentNotFound },
      },
    },
    async (_ctx, { user, params }) => {
      const enrollment = await ownEnrollment(deps.knex, params.id, user);
      const lessons = await listLessonProgress(deps.knex, enrollment);
      return {
        enrollment: toEnrollmentResponse(enrollment),
        lessons: lessons.map((l) => ({
          lessonId: l.lesson_id,
          title: l.title,
          lessonOrder: l.lesson_order,
          available: l.video_status === 'ready',
          durationSeconds: l.duration_seconds,
          progressSeconds: l.progress_seconds ?? 0,
          watchedPercent: l.duration_seconds
            ? Math.min(100, Math.floor(((l.progress_seconds ?? 0) * 100) / l.duration_seconds))
            : 0,
          completed: l.completed ?? false,
          lastWatchedAt: l.last_watched_at,
        })),
      };
    },
  );

  defineRoute(
    router,
    registry,
    {
      method: 'put',
      path: '/api/enrollments/:id/progress/:lessonId',
      rateLimit: 'progress',
      summary: 'Save the playback position of a lesson (idempotent)',
      description:
        'Sent by the player every few seconds. The same position twice changes nothing; a lesson completed once stays completed; ' +
        'the enrollment is completed when its last lesson is.',
      tags: ['learning'],
      auth: 'user',
      params: z.object({ id: z.uuid(), lessonId: z.uuid() }),
      body: ProgressBody,
      responses: {
        200: SavedProgressSchema,
        400: { description: LEARNING_MESSAGES.invalidProgress },
        403: { description: `${LEARNING_MESSAGES.notEnrolled} | ${LEARNING_MESSAGES.revoked}` },
        404: { description: `${LEARNING_MESSAGES.enrollmentNotFound} | ${LEARNING_MESSAGES.lessonNotFound}` },
        409: { description: LEARNING_MESSAGES.lessonNotReady },
      },
    },
    async (_ctx, { user, params, body }) => {
      const input = {
        enrollmentId: params.id,
        lessonId: params.lessonId,
        studentId: user.id,
        progressSeconds: body.progressSeconds,
      };
      const saved = await saveLessonProgress(deps.knex, input);
      if (!saved) throw rejectionProblems[await describeRejectedProgress(deps.knex, input)]();
      return {
        lessonId: saved.lesson_id,
        progressSeconds: saved.progress_seconds,
        completed: saved.completed,
        lastWatchedAt: saved.last_watched_at,
      };
    },
  );

  defineRoute(
    router,
    registry,
    {
      method: 'get',
      path: '/api/enrollments/:id/certificate',
      summary: `Certificate of completion (PDF), once ${CERTIFICATE_MIN_PERCENT}% of the course is completed`,
      description: 'Issued once per enrollment; its id can be verified by anyone at GET /api/certificates/{id}.',
      tags: ['learning'],
      auth: 'user',
      params: IdParams,
      responses: {
        200: {
          description: 'The certificate',
          contentType: 'application/pdf',
          schema: z.string().openapi({ type: 'string', format: 'binary' }),
        },
        403: {
          description: `${LEARNING_MESSAGES.certificateLocked} | ${LEARNING_MESSAGES.notEnrolled} | ${LEARNING_MESSAGES.revoked}`,
        },
        404: { description: LEARNING_MESSAGES.enrollmentNotFound },
      },
    },
    async (ctx, { user, params }) => {
      const enrollment = await ownEnrollment(deps.knex, params.id, user);
      if (!enrollment.certificate_id) {
        if (!canEarnCertificate(enrollment.completed_lessons, enrollment.total_lessons)) {
          throw forbidden(LEARNING_MESSAGES.certificateLocked);
        }
        await issueCertificate(deps.knex, enrollment.id);
      }
      const certificate = await findCertificate(deps.knex, { enrollmentId: enrollment.id });
      if (!certificate) throw new Error(`certificate of enrollment ${enrollment.id} missing right after issue`);
      const pdf = await renderCertificatePdf({
        certificateId: certificate.id,
        studentName: certificate.student_name,
        courseTitle: certificate.course_title,
        instructorName: certificate.instructor_name,
        completedAt: new Date(certificate.completed_at),
        verifyUrl: verificationUrl(ctx, deps.config.PUBLIC_URL, certificate.id),
      });
      ctx.type = 'application/pdf';
      ctx.set('Content-Disposition', `attachment; filename="certificate-${certificate.id}.pdf"`);
      ctx.set('Cache-Control', 'private, no-store');
      ctx.body = pdf;
    },
  );

  defineRoute(
    router,
    registry,
    {
      method: 'get',
      path: '/api/certificates/:id',
      summary: 'Verify a certificate by its id (public)',
      tags: ['learning'],
      auth: 'public',
      params: IdParams,
      responses: {
        200: CertificateVerificationSchema,
        404: { description: LEARNING_MESSAGES.certificateNotFound },
      },
    },
    async (_ctx, { params }) => {
      const certificate = await findCertificate(deps.knex, { id: params.id });
      if (!certificate) throw notFound(LEARNING_MESSAGES.certificateNotFound);
      return {
        certificateId: certificate.id,
        valid: certificate.enrollment_status === 'active',
        studentName: certificate.student_name,
        courseTitle: certificate.course_title,
        instructorName: certificate.instructor_name,
        completedAt: certificate.completed_at,
        issuedAt: certificate.issued_at,
      };
    },
  );
};
