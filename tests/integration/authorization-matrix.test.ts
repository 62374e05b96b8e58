/**
 * The authorization matrix (issue 9): every operation of the API × six personas — anonymous, the student who
 * owns the purchase, another student, the instructor who owns the course, another instructor, an admin — and
 * the answer each must get. The operations are read from the OpenAPI document, which `defineRoute` generates
 * for every route: a route without a row here fails the first test, and so does a row whose route is gone.
 *
 * A cell is what the persona gets:
 *   401 / 403   denied (401 when anonymous, 403 when signed in),
 *   'hidden'    denied with a 404: the object's existence is not revealed (drafts, ids crossed between courses),
 *   any other   allowed, with exactly this answer (2xx, or a 4xx that is not about who asks: 409 "already owned").
 * An allowed answer may also be checked for what it shows, and to whom (`reveals`): a list holds only the
 * caller's own objects, a buyer does not see the revenue split, a paid lesson's URL is for buyers only.
 *
 * Every refused cell of a case runs first, between two fingerprints of the database: a refused request changes
 * no row. Requests that change the world (archive, delete, refund, publish) act on a fresh object per cell.
 */
import { randomUUID } from 'node:crypto';
import { WorkflowNotFoundError } from '@temporalio/client';
import type { Knex } from 'knex';
import type { Response } from 'supertest';
import { findCertificate } from '../../src/learning/certificates';
import type { RecordedSale } from '../../src/sales/record-sale';
import { cancelCheckoutUpdate } from '../../src/temporal/contracts/checkout';
import { payoutIds } from '../../src/temporal/contracts/payouts';
import { refundWorkflowId } from '../../src/temporal/contracts/refund';
import { startTestApi, uniqueEmail, type TestApi } from '../support/api';
import { changedTables, databaseFingerprint } from '../support/db-fingerprint';
import {
  createCourse,
  createReadyLessons,
  createSale,
  createUser,
  FIXTURE_PASSWORD,
  type CourseFixture,
  type FixtureUser,
} from '../support/fixtures';
import { otherEvent, sign } from '../support/stripe-webhooks';

// --- personas and cells ----------------------------------------------------------------------------

const PERSONAS = ['anonymous', 'student', 'otherStudent', 'instructor', 'otherInstructor', 'admin'] as const;
type Persona = (typeof PERSONAS)[number];
type SignedIn = Exclude<Persona, 'anonymous'>;

type Cell = number | 'hidden';
/** One cell per persona, in PERSONAS order. */
type Cells = readonly [
  anonymous: Cell,
  student: Cell,
  otherStudent: Cell,
  instructor: Cell,
  otherInstructor: Cell,
  admin: Cell,
];

type Verdict = 'allowed' | 'denied' | 'hidden';
const verdictOf = (cell: Cell): Verdict =>
  cell === 'hidden' ? 'hidden' : cell === 401 || cell === 403 ? 'denied' : 'allowed';
const statusOf = (cell: Cell): number => (cell === 'hidden' ? 404 : cell);

/** Written by the background notifications relay (a Schedule), whatever the requests do. */
const VOLATILE_TABLES = ['notifications'];

// --- the world -------------------------------------------------------------------------------------

interface World {
  knex: Knex;
  users: Record<SignedIn, FixtureUser>;
  /** Published; the student bought it, watched it all, has its certificate and reviewed it. */
  course: CourseFixture;
  previewLessonId: string;
  paidLessonId: string;
  sale: RecordedSale;
  certificateId: string;
  reviewId: string;
  coupon: { id: string; code: string };
  /** Published; the student bought it and watched half of it, so may review it, and has not yet. */
  unreviewed: CourseFixture;
  /** Archived after the student bought it: still the student's (and its managers'), hidden from everyone else. */
  archived: CourseFixture;
  archivedLessonId: string;
  /** The instructor's draft, with ready lessons. */
  draft: CourseFixture;
  draftLessonId: string;
  /** Published, for the lesson-editing routes; one of its lessons has a direct upload in progress. */
  workshop: CourseFixture;
  workshopLessonId: string;
  uploadingLessonId: string;
  /** The other instructor's own published course, for ids crossed between courses. */
  rival: CourseFixture;
  /** A word in the titles of `course` and `draft` and nowhere else. */
  searchWord: string;
  fresh: ReturnType<typeof freshObjects>;
}

/** Objects made anew for each request that would change them (archive, delete, refund, publish). */
function freshObjects(knex: Knex, users: Record<SignedIn, FixtureUser>) {
  const course = (status = 'published') => createCourse(knex, users.instructor.id, { status });
  const sale = async () => {
    const bought = await course();
    return {
      courseId: bought.id,
      ...(await createSale(knex, { buyerId: users.student.id, courseId: bought.id, grossCents: bought.priceCents })),
    };
  };
  return {
    course,
    /** A draft that meets the publishing rules (three ready lessons). */
    async submittableDraft() {
      const draft = await course('draft');
      await createReadyLessons(knex, draft.id, 3);
      return draft;
    },
    async lesson() {
      const owner = await course();
      const [lesson] = await createReadyLessons(knex, owner.id, 1);
      return { courseId: owner.id, lessonId: lesson.id };
    },
    async coupon() {
      const [row] = await knex('coupons')
        .insert({ code: couponCode(), creator_id: users.instructor.id, discount_type: 'percentage', percent_off: 10 })
        .returning<{ id: string }[]>('id');
      return row.id;
    },
    /** A completed purchase of the student (of a course of its own, so that refunding it changes nothing else). */
    sale,
    /** A review by the student. */
    async review() {
      const bought = await sale();
      const [row] = await knex('course_reviews')
        .insert({
          course_id: bought.courseId,
          reviewer_id: users.student.id,
          enrollment_id: bought.enrollmentId,
          rating: 4,
        })
        .returning<{ id: string }[]>('id');
      return row.id;
    },
  };
}

/** The month the payout-run rows dry-run (started once while the world is built). */
const DRY_RUN_PERIOD = '2020-01-01';

const couponCode = () => `MATRIX${randomUUID().replace(/-/g, '').slice(0, 12).toUpperCase()}`;

// --- the matrix ------------------------------------------------------------------------------------

interface Call {
  method: 'get' | 'post' | 'put' | 'patch' | 'delete';
  path: string;
  query?: Record<string, string>;
  /** A JSON body. */
  body?: object;
  /** A body sent byte for byte (a signed webhook) with its headers. */
  raw?: { payload: string; headers: Record<string, string> };
  /** A multipart/form-data body: the fields, then the file. */
  form?: { fields: Record<string, string>; file: { field: string; name: string; bytes: Buffer } };
}

interface Reveal {
  what: string;
  /** The personas whose allowed answer shows it; every other allowed answer must not. */
  to: readonly Persona[];
  test: (body: unknown, w: World, who: Persona) => boolean;
}

interface Case {
  /** What the request acts on (for messages and the summary). */
  on: string;
  /** Called once per cell, so a request that changes its object can get a fresh one each time. */
  call: (w: World) => Call | Promise<Call>;
  expect: Cells;
  reveals?: Reveal[];
}

function reveals<T>(what: string, to: readonly Persona[], test: (body: T, w: World, who: Persona) => boolean): Reveal {
  return { what, to, test: (body, w, who) => test(body as T, w, who) };
}

const MANAGERS = ['instructor', 'admin'] as const;
const MAY_PLAY = ['student', 'instructor', 'admin'] as const;

interface Item {
  id: string;
}
interface LessonView {
  isPreview: boolean;
  playbackUrl: string | null;
}

const validCourse = {
  title: 'Matrix: a course created by the matrix',
  description: 'Created by the authorization matrix test.',
  category: 'web_development',
  difficultyLevel: 'beginner',
  pricingModel: 'one_time',
  priceCents: 4900,
};

/**
 * The expected answers. Columns: anonymous, student (owns the purchase, enrollment, review), otherStudent,
 * instructor (owns the courses and the coupon), otherInstructor, admin.
 */
const MATRIX: Record<string, Case[]> = {
  // --- ops and auth
  'GET /healthz': [
    { on: 'the process', call: () => ({ method: 'get', path: '/healthz' }), expect: [200, 200, 200, 200, 200, 200] },
  ],
  'GET /readyz': [
    {
      on: 'the dependencies',
      call: () => ({ method: 'get', path: '/readyz' }),
      expect: [200, 200, 200, 200, 200, 200],
    },
  ],
  'POST /api/auth/register': [
    {
      on: 'a new email',
      call: () => ({
        method: 'post',
        path: '/api/auth/register',
        body: { email: uniqueEmail('matrix'), password: FIXTURE_PASSWORD, name: 'Matrix Newcomer' },
      }),
      expect: [201, 201, 201, 201, 201, 201],
    },
  ],
  'POST /api/auth/login': [
    {
      on: "the student's credentials",
      call: (w) => ({
        method: 'post',
        path: '/api/auth/login',
        body: { email: w.users.student.email, password: FIXTURE_PASSWORD },
      }),
      expect: [200, 200, 200, 200, 200, 200],
    },
  ],
  'GET /api/auth/me': [
    {
      on: 'the caller',
      call: () => ({ method: 'get', path: '/api/auth/me' }),
      expect: [401, 200, 200, 200, 200, 200],
      reveals: [
        reveals<{ user: Item }>(
          'another user',
          [],
          (b, w, who) => who !== 'anonymous' && b.user.id !== w.users[who].id,
        ),
      ],
    },
  ],
  'POST /api/admin/notifications/flush': [
    {
      on: 'the outbox',
      call: () => ({ method: 'post', path: '/api/admin/notifications/flush', body: { batchSize: 10 } }),
      expect: [401, 403, 403, 403, 403, 200],
    },
  ],
  'GET /api/admin/audit-logs': [
    {
      on: 'the audit log',
      call: () => ({ method: 'get', path: '/api/admin/audit-logs', query: { limit: '5' } }),
      expect: [401, 403, 403, 403, 403, 200],
    },
  ],

  // --- discovery: drafts never listed, not even to their instructor
  'GET /api/search/courses': [
    {
      on: 'a word of the course and the draft',
      call: (w) => ({ method: 'get', path: '/api/search/courses', query: { q: w.searchWord } }),
      expect: [200, 200, 200, 200, 200, 200],
      reveals: [
        reveals<{ courses: Item[] }>('the published course', PERSONAS, (b, w) =>
          b.courses.some((c) => c.id === w.course.id),
        ),
        reveals<{ courses: Item[] }>('the draft', [], (b, w) => b.courses.some((c) => c.id === w.draft.id)),
      ],
    },
  ],
  'GET /api/courses': [
    {
      on: 'a word of the course and the draft',
      call: (w) => ({ method: 'get', path: '/api/courses', query: { q: w.searchWord } }),
      expect: [200, 200, 200, 200, 200, 200],
      reveals: [
        reveals<{ courses: Item[] }>('the published course', PERSONAS, (b, w) =>
          b.courses.some((c) => c.id === w.course.id),
        ),
        reveals<{ courses: Item[] }>('the draft', [], (b, w) => b.courses.some((c) => c.id === w.draft.id)),
      ],
    },
  ],

  // --- courses
  'POST /api/courses': [
    {
      on: 'a new draft',
      call: () => ({ method: 'post', path: '/api/courses', body: validCourse }),
      expect: [401, 403, 403, 201, 201, 201],
    },
  ],
  'GET /api/courses/{id}': [
    {
      on: 'the published course',
      call: (w) => ({ method: 'get', path: `/api/courses/${w.course.id}` }),
      expect: [200, 200, 200, 200, 200, 200],
      reveals: [
        reveals<{ lessons: LessonView[] }>('a paid lesson’s playback URL', MAY_PLAY, (b) =>
          b.lessons.some((l) => !l.isPreview && l.playbackUrl !== null),
        ),
      ],
    },
    {
      on: 'the draft',
      call: (w) => ({ method: 'get', path: `/api/courses/${w.draft.id}` }),
      expect: ['hidden', 'hidden', 'hidden', 200, 'hidden', 200],
    },
    {
      on: 'the archived course the student bought',
      call: (w) => ({ method: 'get', path: `/api/courses/${w.archived.id}` }),
      expect: ['hidden', 200, 'hidden', 200, 'hidden', 200],
    },
  ],
  'PUT /api/courses/{id}': [
    {
      on: 'the published course',
      call: (w) => ({
        method: 'put',
        path: `/api/courses/${w.course.id}`,
        body: { description: 'Edited by the matrix.' },
      }),
      expect: [401, 403, 403, 200, 403, 200],
    },
    {
      on: 'the draft',
      call: (w) => ({
        method: 'put',
        path: `/api/courses/${w.draft.id}`,
        body: { description: 'Edited by the matrix.' },
      }),
      expect: [401, 403, 403, 200, 'hidden', 200],
    },
    {
      on: 'the archived course',
      call: (w) => ({
        method: 'put',
        path: `/api/courses/${w.archived.id}`,
        body: { description: 'Edited by the matrix.' },
      }),
      expect: [401, 403, 403, 410, 'hidden', 410],
    },
  ],
  'DELETE /api/courses/{id}': [
    {
      on: 'a fresh published course',
      call: async (w) => ({ method: 'delete', path: `/api/courses/${(await w.fresh.course()).id}` }),
      expect: [401, 403, 403, 204, 403, 204],
    },
    {
      on: 'a fresh draft',
      call: async (w) => ({ method: 'delete', path: `/api/courses/${(await w.fresh.course('draft')).id}` }),
      expect: [401, 403, 403, 204, 'hidden', 204],
    },
  ],
  'POST /api/courses/{id}/publish': [
    {
      on: 'a fresh draft meeting the rules',
      call: async (w) => ({ method: 'post', path: `/api/courses/${(await w.fresh.submittableDraft()).id}/publish` }),
      expect: [401, 403, 403, 200, 'hidden', 200],
    },
    {
      on: 'the published course',
      call: (w) => ({ method: 'post', path: `/api/courses/${w.course.id}/publish` }),
      expect: [401, 403, 403, 409, 403, 409],
    },
  ],

  // --- lessons
  'POST /api/courses/{id}/lessons': [
    {
      // The gate is passed when the upload is looked at: a file that is no video is refused (400), nothing is ingested.
      on: 'the workshop, a file that is not a video',
      call: (w) => ({
        method: 'post',
        path: `/api/courses/${w.workshop.id}/lessons`,
        form: {
          fields: { title: 'Not a video' },
          file: {
            field: 'video',
            name: 'notes.mp4',
            bytes: Buffer.from('plain text, not a video container '.repeat(8)),
          },
        },
      }),
      expect: [401, 403, 403, 400, 403, 400],
    },
  ],
  'POST /api/courses/{id}/lessons/uploads': [
    {
      on: 'the workshop',
      call: (w) => ({
        method: 'post',
        path: `/api/courses/${w.workshop.id}/lessons/uploads`,
        body: { title: 'Direct upload', contentType: 'video/mp4', sizeBytes: 20_000_000 },
      }),
      expect: [401, 403, 403, 201, 403, 201],
    },
  ],
  'POST /api/courses/{id}/lessons/{lessonId}/upload/parts': [
    {
      on: 'the lesson with an upload in progress',
      call: (w) => ({
        method: 'post',
        path: `/api/courses/${w.workshop.id}/lessons/${w.uploadingLessonId}/upload/parts`,
        body: { partNumbers: [1, 2] },
      }),
      expect: [401, 403, 403, 200, 403, 200],
    },
  ],
  'POST /api/courses/{id}/lessons/{lessonId}/upload/complete': [
    {
      // Completing a lesson whose video is already processed answers the lesson unchanged.
      on: 'a ready lesson of the workshop',
      call: (w) => ({
        method: 'post',
        path: `/api/courses/${w.workshop.id}/lessons/${w.workshopLessonId}/upload/complete`,
        body: {},
      }),
      expect: [401, 403, 403, 200, 403, 200],
    },
  ],
  'POST /api/courses/{id}/lessons/{lessonId}/video/retry': [
    {
      // Its video is processed: there is nothing to retry, which only those who may retry are told.
      on: 'a ready lesson of the workshop',
      call: (w) => ({
        method: 'post',
        path: `/api/courses/${w.workshop.id}/lessons/${w.workshopLessonId}/video/retry`,
      }),
      expect: [401, 403, 403, 409, 403, 409],
    },
  ],
  'GET /api/courses/{id}/lessons/{lessonId}': [
    {
      on: 'a paid lesson of the published course',
      call: (w) => ({ method: 'get', path: `/api/courses/${w.course.id}/lessons/${w.paidLessonId}` }),
      expect: [200, 200, 200, 200, 200, 200],
      reveals: [reveals<LessonView>('its playback URL', MAY_PLAY, (b) => b.playbackUrl !== null)],
    },
    {
      on: 'a lesson of the draft',
      call: (w) => ({ method: 'get', path: `/api/courses/${w.draft.id}/lessons/${w.draftLessonId}` }),
      expect: ['hidden', 'hidden', 'hidden', 200, 'hidden', 200],
    },
  ],
  'PATCH /api/courses/{id}/lessons/{lessonId}': [
    {
      on: 'a lesson of the workshop',
      call: (w) => ({
        method: 'patch',
        path: `/api/courses/${w.workshop.id}/lessons/${w.workshopLessonId}`,
        body: { title: 'Renamed by the matrix' },
      }),
      expect: [401, 403, 403, 200, 403, 200],
    },
    {
      on: 'a lesson of the draft',
      call: (w) => ({
        method: 'patch',
        path: `/api/courses/${w.draft.id}/lessons/${w.draftLessonId}`,
        body: { title: 'Renamed by the matrix' },
      }),
      expect: [401, 403, 403, 200, 'hidden', 200],
    },
    {
      on: "a workshop lesson addressed under the other instructor's course",
      call: (w) => ({
        method: 'patch',
        path: `/api/courses/${w.rival.id}/lessons/${w.workshopLessonId}`,
        body: { title: 'Taken over' },
      }),
      expect: [401, 403, 403, 403, 'hidden', 404],
    },
  ],
  'DELETE /api/courses/{id}/lessons/{lessonId}': [
    {
      on: 'a fresh lesson',
      call: async (w) => {
        const { courseId, lessonId } = await w.fresh.lesson();
        return { method: 'delete', path: `/api/courses/${courseId}/lessons/${lessonId}` };
      },
      expect: [401, 403, 403, 204, 403, 204],
    },
    {
      on: "a workshop lesson addressed under the other instructor's course",
      call: (w) => ({ method: 'delete', path: `/api/courses/${w.rival.id}/lessons/${w.workshopLessonId}` }),
      expect: [401, 403, 403, 403, 'hidden', 404],
    },
  ],
  'POST /api/courses/{id}/lessons/{lessonId}/resources': [
    {
      on: 'a lesson of the workshop',
      call: (w) => ({
        method: 'post',
        path: `/api/courses/${w.workshop.id}/lessons/${w.workshopLessonId}/resources`,
        form: { fields: {}, file: { field: 'file', name: 'notes.pdf', bytes: Buffer.from('%PDF-1.7\n%%EOF\n') } },
      }),
      expect: [401, 403, 403, 201, 403, 201],
    },
  ],
  'DELETE /api/courses/{id}/lessons/{lessonId}/resources/{resourceId}': [
    {
      on: 'a resource of a fresh lesson',
      call: async (w) => {
        const { courseId, lessonId } = await w.fresh.lesson();
        const id = randomUUID();
        const resource = {
          id,
          filename: 'notes.pdf',
          url: `s3://bucket/courses/${courseId}/resources/${id}`,
          size_mb: 0,
          size_bytes: 16,
          content_type: 'application/pdf',
          uploaded_at: new Date().toISOString(),
        };
        await w
          .knex('course_lessons')
          .where({ id: lessonId })
          .update({ resource_urls: JSON.stringify([resource]) });
        return { method: 'delete', path: `/api/courses/${courseId}/lessons/${lessonId}/resources/${id}` };
      },
      expect: [401, 403, 403, 204, 403, 204],
    },
  ],
  'PUT /api/courses/{id}/lessons/order': [
    {
      on: 'the workshop, its lessons reversed',
      call: async (w) => {
        const ids: string[] = await w
          .knex('course_lessons')
          .where({ course_id: w.workshop.id })
          .orderBy('lesson_order')
          .pluck('id');
        return {
          method: 'put',
          path: `/api/courses/${w.workshop.id}/lessons/order`,
          body: { lessonIds: ids.reverse() },
        };
      },
      expect: [401, 403, 403, 200, 403, 200],
    },
  ],
  'GET /api/courses/{id}/lessons/{lessonId}/playback': [
    {
      // A public route: anonymous callers are refused like any other non-buyer (403 "Enroll in the course").
      on: 'a paid lesson of the published course',
      call: (w) => ({ method: 'get', path: `/api/courses/${w.course.id}/lessons/${w.paidLessonId}/playback` }),
      expect: [403, 200, 403, 200, 403, 200],
    },
    {
      on: 'the free preview of the published course',
      call: (w) => ({ method: 'get', path: `/api/courses/${w.course.id}/lessons/${w.previewLessonId}/playback` }),
      expect: [200, 200, 200, 200, 200, 200],
    },
    {
      on: 'a lesson of the draft',
      call: (w) => ({ method: 'get', path: `/api/courses/${w.draft.id}/lessons/${w.draftLessonId}/playback` }),
      expect: ['hidden', 'hidden', 'hidden', 200, 'hidden', 200],
    },
    {
      on: 'a paid lesson of the archived course the student bought',
      call: (w) => ({ method: 'get', path: `/api/courses/${w.archived.id}/lessons/${w.archivedLessonId}/playback` }),
      expect: ['hidden', 200, 'hidden', 200, 'hidden', 200],
    },
    {
      on: "a paid lesson addressed under the other instructor's course",
      call: (w) => ({ method: 'get', path: `/api/courses/${w.rival.id}/lessons/${w.paidLessonId}/playback` }),
      expect: ['hidden', 'hidden', 'hidden', 'hidden', 'hidden', 'hidden'],
    },
  ],

  // --- coupons: instructors only, for their own courses
  'POST /api/coupons': [
    {
      on: 'the published course',
      call: (w) => ({
        method: 'post',
        path: '/api/coupons',
        body: { code: couponCode(), courseId: w.course.id, discountType: 'percentage', discountValue: 15 },
      }),
      expect: [401, 403, 403, 201, 403, 403],
    },
    {
      on: 'the draft',
      call: (w) => ({
        method: 'post',
        path: '/api/coupons',
        body: { code: couponCode(), courseId: w.draft.id, discountType: 'percentage', discountValue: 15 },
      }),
      expect: [401, 403, 403, 201, 'hidden', 403],
    },
  ],
  'GET /api/coupons': [
    {
      on: "the caller's coupons",
      call: () => ({ method: 'get', path: '/api/coupons' }),
      expect: [401, 403, 403, 200, 200, 403],
      reveals: [
        reveals<{ items: Item[] }>("the instructor's coupon", ['instructor'], (b, w) =>
          b.items.some((c) => c.id === w.coupon.id),
        ),
      ],
    },
  ],
  'DELETE /api/coupons/{id}': [
    {
      on: "a fresh coupon of the instructor's",
      call: async (w) => ({ method: 'delete', path: `/api/coupons/${await w.fresh.coupon()}` }),
      expect: [401, 403, 403, 204, 403, 204],
    },
  ],
  'POST /api/coupons/validate': [
    {
      on: "the instructor's coupon on the published course",
      call: (w) => ({
        method: 'post',
        path: '/api/coupons/validate',
        body: { code: w.coupon.code, courseId: w.course.id },
      }),
      expect: [401, 200, 200, 200, 200, 200],
    },
    {
      // Not for sale, to anyone: a coupon cannot reveal a draft either.
      on: 'the draft',
      call: (w) => ({
        method: 'post',
        path: '/api/coupons/validate',
        body: { code: w.coupon.code, courseId: w.draft.id },
      }),
      expect: [401, 'hidden', 'hidden', 404, 'hidden', 404],
    },
  ],

  // --- buying
  'POST /api/checkout/create': [
    {
      // The student and the course's instructor already own it (409); anyone else opens a checkout (cancelled at the end).
      on: 'the published course',
      call: (w) => ({ method: 'post', path: '/api/checkout/create', body: { courseId: w.course.id } }),
      expect: [401, 409, 201, 409, 201, 201],
    },
  ],
  'POST /api/checkout/tax': [
    {
      on: 'the published course',
      call: (w) => ({
        method: 'post',
        path: '/api/checkout/tax',
        body: { courseId: w.course.id, address: { country: 'US', postalCode: '94103', state: 'CA' } },
      }),
      expect: [401, 200, 200, 200, 200, 200],
    },
  ],
  'POST /api/webhooks/stripe': [
    {
      // Bearer tokens grant nothing here: only Stripe's signature does.
      on: 'a signed event',
      call: () => {
        const { payload, signature } = sign(otherEvent('customer.created'));
        return {
          method: 'post',
          path: '/api/webhooks/stripe',
          raw: { payload, headers: { 'Stripe-Signature': signature } },
        };
      },
      expect: [200, 200, 200, 200, 200, 200],
    },
    {
      on: 'an unsigned event',
      call: () => ({
        method: 'post',
        path: '/api/webhooks/stripe',
        raw: { payload: JSON.stringify(otherEvent('customer.created')), headers: {} },
      }),
      expect: [401, 401, 401, 401, 401, 401],
    },
  ],

  // --- transactions and refunds
  'GET /api/transactions': [
    {
      on: "the caller's purchases",
      call: () => ({ method: 'get', path: '/api/transactions' }),
      expect: [401, 200, 200, 200, 200, 200],
      reveals: [
        reveals<{ items: Item[] }>("the student's purchase", ['student'], (b, w) =>
          b.items.some((t) => t.id === w.sale.transactionId),
        ),
        reveals<{ items: { revenue?: unknown }[] }>('a revenue split', [], (b) =>
          b.items.some((t) => t.revenue != null),
        ),
      ],
    },
  ],
  'GET /api/transactions/{id}': [
    {
      on: "the student's purchase",
      call: (w) => ({ method: 'get', path: `/api/transactions/${w.sale.transactionId}` }),
      expect: [401, 200, 403, 200, 403, 200],
      reveals: [reveals<{ revenue?: unknown }>('the revenue split', MANAGERS, (b) => b.revenue != null)],
    },
  ],
  'POST /api/transactions/{id}/refund': [
    {
      // Buyer, the course's instructor, admins (each on a purchase of its own: a refund runs the real workflow).
      on: "a fresh purchase of the student's",
      call: async (w) => ({
        method: 'post',
        path: `/api/transactions/${(await w.fresh.sale()).transactionId}/refund`,
        body: { reason: 'authorization matrix' },
      }),
      expect: [401, 200, 403, 200, 403, 200],
    },
  ],

  // --- learning: an enrollment is its student's alone
  'GET /api/enrollments': [
    {
      on: "the caller's enrollments",
      call: () => ({ method: 'get', path: '/api/enrollments' }),
      expect: [401, 200, 200, 200, 200, 200],
      reveals: [
        reveals<{ items: Item[] }>("the student's enrollment", ['student'], (b, w) =>
          b.items.some((e) => e.id === w.sale.enrollmentId),
        ),
      ],
    },
  ],
  'GET /api/enrollments/{id}/progress': [
    {
      on: "the student's enrollment",
      call: (w) => ({ method: 'get', path: `/api/enrollments/${w.sale.enrollmentId}/progress` }),
      expect: [401, 200, 403, 403, 403, 403],
    },
  ],
  'PUT /api/enrollments/{id}/progress/{lessonId}': [
    {
      on: "the student's enrollment",
      call: (w) => ({
        method: 'put',
        path: `/api/enrollments/${w.sale.enrollmentId}/progress/${w.paidLessonId}`,
        body: { progressSeconds: 30 },
      }),
      expect: [401, 200, 403, 403, 403, 403],
    },
  ],
  'GET /api/enrollments/{id}/certificate': [
    {
      on: "the student's enrollment",
      call: (w) => ({ method: 'get', path: `/api/enrollments/${w.sale.enrollmentId}/certificate` }),
      expect: [401, 200, 403, 403, 403, 403],
    },
  ],
  'GET /api/certificates/{id}': [
    {
      on: "the student's certificate",
      call: (w) => ({ method: 'get', path: `/api/certificates/${w.certificateId}` }),
      expect: [200, 200, 200, 200, 200, 200],
    },
  ],

  // --- reviews
  'POST /api/courses/{id}/reviews': [
    {
      on: 'a course the student half watched',
      call: (w) => ({
        method: 'post',
        path: `/api/courses/${w.unreviewed.id}/reviews`,
        body: { rating: 5, reviewText: 'Reviewed by the matrix.' },
      }),
      expect: [401, 201, 403, 403, 403, 403],
    },
    {
      on: 'the draft',
      call: (w) => ({ method: 'post', path: `/api/courses/${w.draft.id}/reviews`, body: { rating: 5 } }),
      expect: [401, 'hidden', 'hidden', 403, 'hidden', 403],
    },
  ],
  'GET /api/courses/{id}/reviews': [
    {
      on: 'the published course',
      call: (w) => ({ method: 'get', path: `/api/courses/${w.course.id}/reviews` }),
      expect: [200, 200, 200, 200, 200, 200],
    },
    {
      on: 'the draft',
      call: (w) => ({ method: 'get', path: `/api/courses/${w.draft.id}/reviews` }),
      expect: ['hidden', 'hidden', 'hidden', 200, 'hidden', 200],
    },
    // The route's rule: an archived course keeps its (once public) reviews public.
    {
      on: 'the archived course',
      call: (w) => ({ method: 'get', path: `/api/courses/${w.archived.id}/reviews` }),
      expect: [200, 200, 200, 200, 200, 200],
    },
  ],
  'PUT /api/reviews/{id}/helpful': [
    {
      // Anyone signed in may vote, except on their own review.
      on: "the student's review",
      call: (w) => ({ method: 'put', path: `/api/reviews/${w.reviewId}/helpful` }),
      expect: [401, 403, 200, 200, 200, 200],
    },
  ],
  // --- instructor earnings and payouts: an instructor's own, nobody else's (not even an admin's through these routes)
  'POST /api/instructor/connect': [
    {
      on: "the caller's payout account",
      call: () => ({ method: 'post', path: '/api/instructor/connect' }),
      expect: [401, 403, 403, 201, 201, 403],
    },
  ],
  'GET /api/instructor/connect': [
    {
      on: "the caller's payout account",
      call: () => ({ method: 'get', path: '/api/instructor/connect' }),
      expect: [401, 403, 403, 200, 200, 403],
    },
  ],
  'GET /api/instructor/earnings': [
    {
      on: "the caller's earnings",
      call: () => ({ method: 'get', path: '/api/instructor/earnings' }),
      expect: [401, 403, 403, 200, 200, 403],
      reveals: [
        reveals<{ counts: { sales: number } }>("the instructor's sales", ['instructor'], (b) => b.counts.sales > 0),
      ],
    },
  ],
  'GET /api/instructor/earnings/courses': [
    {
      on: "the caller's courses",
      call: () => ({ method: 'get', path: '/api/instructor/earnings/courses' }),
      expect: [401, 403, 403, 200, 200, 403],
      reveals: [
        reveals<{ courses: { courseId: string }[] }>("the instructor's course", ['instructor'], (b, w) =>
          b.courses.some((c) => c.courseId === w.course.id),
        ),
      ],
    },
  ],
  'GET /api/instructor/earnings/pending': [
    {
      on: "the caller's unpaid shares",
      call: () => ({ method: 'get', path: '/api/instructor/earnings/pending', query: { limit: '100' } }),
      expect: [401, 403, 403, 200, 200, 403],
      reveals: [
        reveals<{ items: { transactionId: string }[] }>("the share of the student's purchase", ['instructor'], (b, w) =>
          b.items.some((i) => i.transactionId === w.sale.transactionId),
        ),
      ],
    },
  ],
  'GET /api/instructor/payouts': [
    {
      on: "the caller's payouts",
      call: () => ({ method: 'get', path: '/api/instructor/payouts' }),
      expect: [401, 403, 403, 200, 200, 403],
    },
  ],
  'POST /api/admin/payout-runs': [
    {
      // A dry run: it counts who would be paid and pays nobody.
      on: 'a dry run of a past month',
      call: () => ({ method: 'post', path: '/api/admin/payout-runs', body: { period: DRY_RUN_PERIOD, dryRun: true } }),
      expect: [401, 403, 403, 403, 403, 202],
    },
  ],
  'GET /api/admin/payout-runs/{period}': [
    {
      on: 'the dry run of a past month',
      call: () => ({ method: 'get', path: `/api/admin/payout-runs/${DRY_RUN_PERIOD}`, query: { dryRun: 'true' } }),
      expect: [401, 403, 403, 403, 403, 200],
    },
  ],

  'DELETE /api/reviews/{id}': [
    {
      on: "a fresh review of the student's",
      call: async (w) => ({ method: 'delete', path: `/api/reviews/${await w.fresh.review()}` }),
      expect: [401, 204, 403, 403, 403, 204],
    },
  ],
};

// --- running it ------------------------------------------------------------------------------------

interface Outcome {
  operation: string;
  on: string;
  statuses: number[];
}

let api: TestApi;
let world: World;
const outcomes: Outcome[] = [];
let refusalBatches = 0;

function userOf(who: Persona): FixtureUser | undefined {
  return who === 'anonymous' ? undefined : world.users[who];
}

async function send(call: Call, who: Persona): Promise<Response> {
  let req = api.request[call.method](call.path);
  const user = userOf(who);
  if (user) req = req.set(user.auth);
  if (call.query) req = req.query(call.query);
  if (call.raw) return req.set('Content-Type', 'application/json').set(call.raw.headers).send(call.raw.payload);
  if (call.form) {
    for (const [name, value] of Object.entries(call.form.fields)) req = req.field(name, value);
    return req.attach(call.form.file.field, call.form.file.bytes, call.form.file.name);
  }
  return call.body === undefined ? req : req.send(call.body);
}

function expected(cell: Cell): string {
  return `${statusOf(cell)} (${verdictOf(cell)})`;
}

function excerpt(res: Response): string {
  const body = res.type === 'application/pdf' ? '<pdf>' : JSON.stringify(res.body);
  return body.length > 300 ? `${body.slice(0, 300)}…` : body;
}

/** What is wrong with one answer, if anything. */
function judge(label: string, who: Persona, cell: Cell, res: Response, reveals: Reveal[] = []): string[] {
  const at = `${label} as ${who}`;
  if (res.status !== statusOf(cell)) return [`${at}: expected ${expected(cell)}, got ${res.status} ${excerpt(res)}`];
  if (verdictOf(cell) !== 'allowed' || res.status >= 400) {
    const problem = res.body as { status?: unknown };
    return res.type === 'application/problem+json' && problem.status === res.status
      ? []
      : [`${at}: the refusal is not an RFC 7807 problem: ${excerpt(res)}`];
  }
  return reveals.flatMap((r) => {
    let shown: boolean;
    try {
      shown = r.test(res.body, world, who);
    } catch (err) {
      return [`${at}: could not tell whether the answer shows ${r.what} (${String(err)}): ${excerpt(res)}`];
    }
    const mayShow = r.to.includes(who);
    return shown === mayShow
      ? []
      : [
          `${at}: the answer ${shown ? 'shows' : 'does not show'} ${r.what}, but ${who} ${mayShow ? 'should see it' : 'must not'}`,
        ];
  });
}

async function runCase(operation: string, c: Case): Promise<string[]> {
  const label = `${operation} [${c.on}]`;
  const failures: string[] = [];
  const statuses = new Map<Persona, number>();
  const cells = PERSONAS.map((who, i) => ({ who, cell: c.expect[i] }));

  // Refusals first, built before the first fingerprint (a fresh object is a change): none may change a row.
  const refusals: { who: Persona; cell: Cell; call: Call }[] = [];
  for (const { who, cell } of cells.filter(({ cell }) => statusOf(cell) >= 300))
    refusals.push({ who, cell, call: await c.call(world) });
  if (refusals.length > 0) {
    const before = await databaseFingerprint(world.knex, VOLATILE_TABLES);
    for (const { who, cell, call } of refusals) {
      const res = await send(call, who);
      statuses.set(who, res.status);
      failures.push(...judge(label, who, cell, res, c.reveals));
    }
    const changed = changedTables(before, await databaseFingerprint(world.knex, VOLATILE_TABLES));
    if (changed.length > 0) failures.push(`${label}: refused requests changed rows in ${changed.join(', ')}`);
    refusalBatches++;
  }

  for (const { who, cell } of cells.filter(({ cell }) => statusOf(cell) < 300)) {
    const res = await send(await c.call(world), who);
    statuses.set(who, res.status);
    failures.push(...judge(label, who, cell, res, c.reveals));
  }
  outcomes.push({ operation, on: c.on, statuses: PERSONAS.map((who) => statuses.get(who) ?? 0) });
  return failures;
}

/** Fails setup loudly when a step of building the world does not answer as it should. */
async function must(res: Response | Promise<Response>, status: number, what: string): Promise<Response> {
  const answer = await res;
  if (answer.status !== status)
    throw new Error(`setup: ${what} answered ${answer.status}, expected ${status}: ${excerpt(answer)}`);
  return answer;
}

async function buildWorld(): Promise<World> {
  const { knex, config } = api.deps;
  const users: Record<SignedIn, FixtureUser> = {
    student: await createUser(knex, config, 'student', 'Matrix Student'),
    otherStudent: await createUser(knex, config, 'student', 'Matrix Other Student'),
    instructor: await createUser(knex, config, 'instructor', 'Matrix Instructor'),
    otherInstructor: await createUser(knex, config, 'instructor', 'Matrix Other Instructor'),
    admin: await createUser(knex, config, 'admin', 'Matrix Admin'),
  };
  const { student, instructor } = users;
  const searchWord = `mx${randomUUID().replace(/-/g, '').slice(0, 10)}`;
  const as = (user: FixtureUser) => ({
    get: (path: string) => api.request.get(path).set(user.auth),
    post: (path: string, body: object) => api.request.post(path).set(user.auth).send(body),
    put: (path: string, body: object) => api.request.put(path).set(user.auth).send(body),
  });

  // The course the student bought, watched to the end (certificate) and reviewed.
  const durationSeconds = 120;
  const course = await createCourse(knex, instructor.id, { title: `Matrix ${searchWord} published` });
  const lessons = await createReadyLessons(knex, course.id, 4, { previews: 1, durationSeconds });
  const sale = await createSale(knex, { buyerId: student.id, courseId: course.id, grossCents: course.priceCents });
  for (const lesson of lessons) {
    await must(
      as(student).put(`/api/enrollments/${sale.enrollmentId}/progress/${lesson.id}`, {
        progressSeconds: durationSeconds,
      }),
      200,
      'watching a lesson',
    );
  }
  await must(as(student).get(`/api/enrollments/${sale.enrollmentId}/certificate`), 200, 'the certificate');
  const certificate = await findCertificate(knex, { enrollmentId: sale.enrollmentId });
  if (!certificate) throw new Error('setup: no certificate was issued');
  const review = await must(
    as(student).post(`/api/courses/${course.id}/reviews`, { rating: 4, reviewText: 'Solid.' }),
    201,
    'the review',
  );
  const coupon = await must(
    as(instructor).post('/api/coupons', {
      code: couponCode(),
      courseId: course.id,
      discountType: 'percentage',
      discountValue: 20,
    }),
    201,
    'the coupon',
  );

  // A course the student bought and half watched: it may be reviewed.
  const unreviewed = await createCourse(knex, instructor.id);
  const [firstHalf] = await createReadyLessons(knex, unreviewed.id, 2, { durationSeconds });
  const unreviewedSale = await createSale(knex, {
    buyerId: student.id,
    courseId: unreviewed.id,
    grossCents: unreviewed.priceCents,
  });
  await must(
    as(student).put(`/api/enrollments/${unreviewedSale.enrollmentId}/progress/${firstHalf.id}`, {
      progressSeconds: durationSeconds,
    }),
    200,
    'watching half',
  );

  const archived = await createCourse(knex, instructor.id);
  const [, archivedLesson] = await createReadyLessons(knex, archived.id, 3, { previews: 1, durationSeconds });
  await createSale(knex, { buyerId: student.id, courseId: archived.id, grossCents: archived.priceCents });
  await knex('courses').where({ id: archived.id }).update({ status: 'archived', deleted_at: knex.fn.now() });

  const draft = await createCourse(knex, instructor.id, { status: 'draft', title: `Matrix ${searchWord} draft` });
  const [draftLesson] = await createReadyLessons(knex, draft.id, 3, { previews: 1, durationSeconds });

  const workshop = await createCourse(knex, instructor.id);
  const [workshopLesson] = await createReadyLessons(knex, workshop.id, 3, { durationSeconds });
  const uploading = await must(
    as(instructor).post(`/api/courses/${workshop.id}/lessons/uploads`, {
      title: 'Uploading',
      contentType: 'video/mp4',
      sizeBytes: 20_000_000,
    }),
    201,
    'a direct upload',
  );

  await must(
    as(users.admin).post('/api/admin/payout-runs', { period: DRY_RUN_PERIOD, dryRun: true }),
    202,
    'a dry payout run',
  );

  const rival = await createCourse(knex, users.otherInstructor.id);
  await createReadyLessons(knex, rival.id, 3, { durationSeconds });

  const orderedLessons = [...lessons].sort((a, b) => a.lesson_order - b.lesson_order);
  return {
    knex,
    users,
    course,
    previewLessonId: orderedLessons[0].id,
    paidLessonId: orderedLessons[1].id,
    sale,
    certificateId: certificate.id,
    reviewId: (review.body as Item).id,
    coupon: { id: (coupon.body as Item).id, code: (coupon.body as { code: string }).code },
    unreviewed,
    archived,
    archivedLessonId: archivedLesson.id,
    draft,
    draftLessonId: draftLesson.id,
    workshop,
    workshopLessonId: workshopLesson.id,
    uploadingLessonId: (uploading.body as { lesson: Item }).lesson.id,
    rival,
    searchWord,
    fresh: freshObjects(knex, users),
  };
}

function summary(): string {
  const cells = outcomes.length * PERSONAS.length;
  const all = Object.values(MATRIX).flatMap((cases) => cases.flatMap((c) => c.expect.map(verdictOf)));
  const count = (v: Verdict) => all.filter((x) => x === v).length;
  const width = Math.max(...outcomes.map((o) => `${o.operation} [${o.on}]`.length));
  const header = `${'operation [on]'.padEnd(width)}  ${['anon', 'stud', 'oStu', 'inst', 'oIns', 'admn'].join(' ')}`;
  const lines = outcomes.map(
    (o) =>
      `${`${o.operation} [${o.on}]`.padEnd(width)}  ${o.statuses.map((s) => String(s || '-').padStart(4)).join(' ')}`,
  );
  return [
    `authorization matrix: ${Object.keys(MATRIX).length} operations, ${outcomes.length} cases × ${PERSONAS.length} personas = ${cells} cells ` +
      `(${count('allowed')} allowed, ${count('denied')} denied, ${count('hidden')} hidden); ${refusalBatches} batches of refusals changed no row`,
    header,
    ...lines,
  ].join('\n');
}

beforeAll(async () => {
  api = await startTestApi();
  world = await buildWorld();
});

afterAll(async () => {
  if (outcomes.length > 0) console.log(summary());
  await api?.close();
});

describe('authorization matrix', () => {
  it('has a row for every operation of the OpenAPI document, and none for an operation that is gone', () => {
    const doc = api.api.openApiDocument();
    const operations = Object.entries(doc.paths ?? {}).flatMap(([path, item]) =>
      Object.keys(item ?? {})
        .filter((method) => ['get', 'post', 'put', 'patch', 'delete'].includes(method))
        .map((method) => `${method.toUpperCase()} ${path}`),
    );
    const rows = Object.keys(MATRIX);
    const missing = operations.filter((op) => !rows.includes(op));
    const stale = rows.filter((row) => !operations.includes(row));
    expect({
      'operations without a row (add one to MATRIX: the expected answer for every persona)': missing,
      'rows for operations the API no longer has (remove them)': stale,
    }).toEqual({
      'operations without a row (add one to MATRIX: the expected answer for every persona)': [],
      'rows for operations the API no longer has (remove them)': [],
    });
  });

  it('agrees with the document on who must sign in: an operation that declares bearer auth refuses anonymous callers with 401', () => {
    const doc = api.api.openApiDocument();
    const disagreements = Object.entries(MATRIX).flatMap(([operation, cases]) => {
      const [method, path] = operation.split(' ');
      const secured = (doc.paths?.[path]?.[method.toLowerCase() as 'get']?.security?.length ?? 0) > 0;
      return secured
        ? cases
            .filter((c) => c.expect[0] !== 401)
            .map((c) => `${operation} [${c.on}]: anonymous expected ${c.expect[0]}`)
        : [];
    });
    expect(disagreements).toEqual([]);
  });

  for (const [operation, cases] of Object.entries(MATRIX)) {
    it(operation, async () => {
      const failures: string[] = [];
      for (const c of cases) failures.push(...(await runCase(operation, c)));
      expect(failures).toEqual([]);
    });
  }

  it('replays a response stored under an Idempotency-Key only to the user who sent it', async () => {
    const key = `matrix-${randomUUID()}`;
    const create = (user: FixtureUser) =>
      api.request.post('/api/courses').set(user.auth).set('Idempotency-Key', key).send(validCourse);
    const first = await create(world.users.instructor);
    const sameKeyOtherUser = await create(world.users.otherInstructor);
    const replay = await create(world.users.instructor);
    expect([first.status, sameKeyOtherUser.status, replay.status]).toEqual([201, 201, 201]);
    expect(sameKeyOtherUser.body).toMatchObject({ instructorId: world.users.otherInstructor.id });
    expect((sameKeyOtherUser.body as Item).id).not.toBe((first.body as Item).id);
    expect((replay.body as Item).id).toBe((first.body as Item).id);
  });

  it('leaves none of the workflows it started running', async () => {
    const { knex, temporal } = api.deps;
    const buyers = Object.values(world.users).map((u) => u.id);
    // The checkouts it opened are abandoned the way a new attempt supersedes one: the session expires, the attempt fails.
    const open: string[] = await knex('transactions')
      .whereIn('buyer_id', buyers)
      .where({ status: 'pending' })
      .whereNotNull('checkout_workflow_id')
      .pluck('checkout_workflow_id');
    await Promise.all(
      open.map((id) => temporal.workflow.getHandle(id).executeUpdate(cancelCheckoutUpdate, { args: ['superseded'] })),
    );

    const purchases: { id: string; checkout_workflow_id: string | null }[] = await knex('transactions')
      .whereIn('buyer_id', buyers)
      .select('id', 'checkout_workflow_id');
    const started = [
      ...purchases.flatMap((t) => (t.checkout_workflow_id ? [t.checkout_workflow_id] : [])),
      ...purchases.map((t) => refundWorkflowId(t.id)),
      payoutIds.run(api.deps.config.TASK_QUEUE_PREFIX, DRY_RUN_PERIOD, true),
    ];
    const stillRunning: string[] = [];
    for (const id of started) {
      const handle = temporal.workflow.getHandle(id);
      const status = async () => {
        try {
          return (await handle.describe()).status.name;
        } catch (err) {
          if (err instanceof WorkflowNotFoundError) return 'NOT_FOUND';
          throw err;
        }
      };
      if ((await status()) !== 'RUNNING') continue;
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        handle.result().catch(() => undefined),
        new Promise((resolve) => (timer = setTimeout(resolve, 15_000))),
      ]);
      clearTimeout(timer);
      if ((await status()) === 'RUNNING') stillRunning.push(id);
    }
    const checkoutsOpened = MATRIX['POST /api/checkout/create']
      .flatMap((c) => c.expect)
      .filter((cell) => cell === 201).length;
    expect(open).toHaveLength(checkoutsOpened);
    expect(stillRunning).toEqual([]);
  });
});
