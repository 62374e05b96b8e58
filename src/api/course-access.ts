import type { Knex } from 'knex';
import { managesCourse } from '../domain/courses';
import { Course } from '../models/Course';
import { CourseLesson } from '../models/CourseLesson';
import type { AuthUser } from '../accounts/identity';
import type { PlaybackContext } from './course-views';
import { forbidden, gone, notFound } from '../problems/http-problem';

/** Who may see and change a course; every course and lesson route goes through these. */

export const COURSE_NOT_FOUND = 'Course not found';
export const COURSE_ARCHIVED = 'Course is archived';

export async function isEnrolled(knex: Knex, courseId: string, userId: string): Promise<boolean> {
  const row = await knex('enrollments')
    .where({ course_id: courseId, student_id: userId, status: 'active' })
    .first('id');
  return row !== undefined;
}

export interface CourseView extends PlaybackContext {
  course: Course;
  manages: boolean;
}

/**
 * A course as `user` may see it: published courses are public; drafts and courses under review only to
 * their owner and admins; an archived course also to its enrolled students (what they paid for stays
 * theirs). Anyone else gets 404 — an unpublished course is not revealed.
 */
export async function viewCourse(knex: Knex, courseId: string, user: AuthUser | undefined): Promise<CourseView> {
  const course = await Course.query(knex).findById(courseId);
  if (!course) throw notFound(COURSE_NOT_FOUND);
  const manages = managesCourse(user, course.instructor_id);
  const enrolled = user !== undefined && !manages && (await isEnrolled(knex, course.id, user.id));
  const visible = course.status === 'published' || manages || (course.status === 'archived' && enrolled);
  if (!visible) throw notFound(COURSE_NOT_FOUND);
  return { course, manages, viewer: user, instructorId: course.instructor_id, viewerEnrolled: enrolled };
}

/**
 * A course `user` may change: its owner or an admin (403 for other instructors, 404 when it is not visible
 * to them at all), and not archived (410, spec MKT-006) unless `allowArchived`. Pass a transaction and
 * `forUpdate` to lock the row for the change.
 */
export async function manageCourse(
  knex: Knex,
  courseId: string,
  user: AuthUser,
  options: { forUpdate?: boolean; message?: string; allowArchived?: boolean } = {},
): Promise<Course> {
  const query = Course.query(knex).findById(courseId);
  const course = await (options.forUpdate ? query.forUpdate() : query);
  if (!course) throw notFound(COURSE_NOT_FOUND);
  if (!managesCourse(user, course.instructor_id)) {
    if (course.status !== 'published') throw notFound(COURSE_NOT_FOUND);
    throw forbidden(options.message ?? 'Only the course instructor can change this course');
  }
  if (course.status === 'archived' && !options.allowArchived) throw gone(COURSE_ARCHIVED);
  return course;
}

/** A lesson of a course `user` may change (manageCourse's rules; 404 when the lesson is not in that course). */
export async function manageLesson(
  knex: Knex,
  params: { id: string; lessonId: string },
  user: AuthUser,
  options: { forUpdate?: boolean } = {},
): Promise<{ course: Course; lesson: CourseLesson }> {
  const course = await manageCourse(knex, params.id, user, options);
  const query = CourseLesson.query(knex).findOne({ id: params.lessonId, course_id: course.id });
  const lesson = await (options.forUpdate ? query.forUpdate() : query);
  if (!lesson) throw notFound('Lesson not found');
  return { course, lesson };
}
