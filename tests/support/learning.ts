/**
 * A paid enrollment ready for learning tests: an instructor's published course with `lessons` ready lessons,
 * a student who bought it (through `recordCompletedSale`, as checkout fulfilment does). `sameCourseAs` enrolls
 * another student in an existing fixture's course.
 */
import type { Knex } from 'knex';
import type { Config } from '../../src/config';
import {
  createCourse,
  createReadyLessons,
  createSale,
  createUser,
  type CourseFixture,
  type FixtureUser,
} from './fixtures';
import type { TestApi } from './api';

export interface EnrolledStudent {
  student: FixtureUser;
  instructor: FixtureUser;
  course: CourseFixture;
  lessons: { id: string; lesson_order: number }[];
  enrollmentId: string;
  durationSeconds: number;
}

export async function createEnrolledStudent(
  knex: Knex,
  config: Config,
  opts: {
    lessons?: number;
    durationSeconds?: number;
    studentName?: string;
    instructorName?: string;
    courseTitle?: string;
    sameCourseAs?: EnrolledStudent;
  } = {},
): Promise<EnrolledStudent> {
  const durationSeconds = opts.sameCourseAs?.durationSeconds ?? opts.durationSeconds ?? 300;
  const instructor =
    opts.sameCourseAs?.instructor ?? (await createUser(knex, config, 'instructor', opts.instructorName));
  const course =
    opts.sameCourseAs?.course ??
    (await createCourse(knex, instructor.id, opts.courseTitle ? { title: opts.courseTitle } : {}));
  const lessons =
    opts.sameCourseAs?.lessons ?? (await createReadyLessons(knex, course.id, opts.lessons ?? 4, { durationSeconds }));
  const student = await createUser(knex, config, 'student', opts.studentName);
  const sale = await createSale(knex, { buyerId: student.id, courseId: course.id, grossCents: course.priceCents });
  return { student, instructor, course, lessons, enrollmentId: sale.enrollmentId, durationSeconds };
}

/** Watches lessons to their end through the API (the way a player reports it). */
export async function watchLessons(t: TestApi, e: EnrolledStudent, count: number): Promise<void> {
  for (const lesson of e.lessons.slice(0, count)) {
    const res = await t.request
      .put(`/api/enrollments/${e.enrollmentId}/progress/${lesson.id}`)
      .set(e.student.auth)
      .send({ progressSeconds: e.durationSeconds });
    if (res.status !== 200) throw new Error(`progress update failed: ${res.status} ${JSON.stringify(res.body)}`);
  }
}

export async function revoke(knex: Knex, enrollmentId: string): Promise<void> {
  await knex('enrollments').where({ id: enrollmentId }).update({ status: 'revoked', revoked_at: knex.fn.now() });
}
