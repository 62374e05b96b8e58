import type { Knex } from 'knex';

/** An enrollment with its progress counts (`enrollment_lesson_counts`) and its certificate, if issued. */
export interface EnrollmentSummary {
  id: string;
  course_id: string;
  student_id: string;
  status: 'active' | 'revoked';
  enrolled_at: Date;
  last_accessed_at: Date | null;
  completed_at: Date | null;
  total_lessons: number;
  completed_lessons: number;
  certificate_id: string | null;
}

function summaries(knex: Knex) {
  return knex('enrollments as e')
    .crossJoin(knex.raw('LATERAL enrollment_lesson_counts(e.id, e.course_id) AS counts'))
    .leftJoin('certificates as cert', 'cert.enrollment_id', 'e.id')
    .select(
      'e.id',
      'e.course_id',
      'e.student_id',
      'e.status',
      'e.enrolled_at',
      'e.last_accessed_at',
      'e.completed_at',
      'counts.total_lessons',
      'counts.completed_lessons',
      'cert.id as certificate_id',
    );
}

export async function findEnrollmentSummary(
  knex: Knex,
  by: { id: string } | { courseId: string; studentId: string },
): Promise<EnrollmentSummary | undefined> {
  const query = summaries(knex);
  if ('id' in by) query.where('e.id', by.id);
  else query.where({ 'e.course_id': by.courseId, 'e.student_id': by.studentId });
  return query.first<EnrollmentSummary | undefined>();
}

export interface LearningListItem extends EnrollmentSummary {
  course_title: string;
  course_thumbnail_url: string | null;
  instructor_id: string;
  instructor_name: string;
}

/** "My learning": a student's enrollments, the one watched most recently first (then the newest). */
export async function listStudentEnrollments(
  knex: Knex,
  studentId: string,
  options: { status: 'active' | 'revoked' | 'all'; limit: number; offset: number },
): Promise<{ items: LearningListItem[]; total: number }> {
  const scope = (query: Knex.QueryBuilder) => {
    query.where('e.student_id', studentId);
    if (options.status !== 'all') query.where('e.status', options.status);
    return query;
  };
  const [items, countRow] = await Promise.all([
    scope(summaries(knex))
      .join('courses as c', 'c.id', 'e.course_id')
      .join('users as i', 'i.id', 'c.instructor_id')
      .select(
        'c.title as course_title',
        'c.thumbnail_url as course_thumbnail_url',
        'c.instructor_id',
        'i.name as instructor_name',
      )
      .orderByRaw('e.last_accessed_at DESC NULLS LAST, e.enrolled_at DESC, e.id')
      .limit(options.limit)
      .offset(options.offset) as Promise<LearningListItem[]>,
    scope(knex('enrollments as e')).count<{ n: number }[]>('* as n').first(),
  ]);
  return { items, total: Number(countRow?.n ?? 0) };
}

export interface LessonProgressRow {
  lesson_id: string;
  title: string;
  lesson_order: number;
  video_status: string;
  duration_seconds: number | null;
  progress_seconds: number | null;
  completed: boolean | null;
  last_watched_at: Date | null;
}

/** Every lesson of the enrollment's course in order, with this enrollment's progress where it has any. */
export function listLessonProgress(
  knex: Knex,
  enrollment: { id: string; course_id: string },
): Promise<LessonProgressRow[]> {
  return knex('course_lessons as l')
    .leftJoin('course_progress as p', (join) => {
      join.on('p.lesson_id', 'l.id').andOnVal('p.enrollment_id', enrollment.id);
    })
    .where('l.course_id', enrollment.course_id)
    .orderBy('l.lesson_order')
    .select(
      'l.id as lesson_id',
      'l.title',
      'l.lesson_order',
      'l.video_status',
      'l.video_duration_seconds as duration_seconds',
      'p.progress_seconds',
      'p.completed',
      'p.last_watched_at',
    );
}
