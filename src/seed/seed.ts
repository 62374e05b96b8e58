// Over 350 lines on purpose: one generator that writes a consistent catalogue (users, courses, sales, reviews) in one pass; split, its invariants would be spread.
import type { Knex } from 'knex';
import { COURSE_CATEGORIES, type CourseCategory, type CourseDifficultyLevel } from '../models/Course';
import { estimateStripeFee, splitRevenue } from '../domain/money';
import { Random } from './random';
import { courseDescription, courseTitle, lessonTitle, personName, reviewText, TOPICS } from './vocabulary';
import { Loader, TableWriter } from './writer';

/**
 * Generates a realistic marketplace: instructors and students, a catalogue of courses (mostly published,
 * some drafts, some in review, some archived) with lessons, and the life of each course — sales recorded as
 * checkout fulfilment records them (completed transaction, 70/30 split from src/domain/money, enrollment,
 * audit entry), a few refunds (revoked enrollment, cancelled share), reviews and lesson progress.
 *
 * Deterministic: the same `seed` and `now` give the same rows (ids included), except the password hash's
 * salt. Everything happens before `now` and every sale is past its escrow hold, so no row waits for a
 * workflow that does not exist.
 *
 * Counters and completions are the database's: the triggers keep enrollment_count (enrollments), the
 * ratings (course_reviews) and each enrollment's completion (course_progress) as the batches go in, once
 * per statement. The seed still writes completed_at itself, as the moment the last lesson was watched.
 */
export interface SeedOptions {
  /** Published courses; drafts (~4%), courses in review (~1%) and archived ones (~2%) come on top. */
  courses: number;
  seed: number;
  /** The generated history ends here (default: a fixed instant, so runs are reproducible). */
  now?: Date;
  /** One password hash shared by every generated user (scrypt-hashing 50,000 passwords would take over an hour). */
  passwordHash: string;
  /** Rows per INSERT statement. */
  batchRows?: number;
}

export interface SeedSummary {
  instructors: number;
  students: number;
  courses: { published: number; draft: number; under_review: number; archived: number };
  lessons: number;
  sales: number;
  refunds: number;
  reviews: number;
  progress: number;
  seconds: number;
}

export type SeedProgress = (phase: string, done: number, total: number) => void;

export const DEFAULT_SEED_NOW = new Date('2026-11-01T00:00:00.000Z');
/** Generated users' e-mail domain, per seed value: `student-000042@s7.seed.edustream.test`. */
export const seedEmailDomain = (seed: number) => `s${seed}.seed.edustream.test`;

const DAY = 24 * 3600 * 1000;
const ESCROW_HOLD_MS = 7 * DAY;
const ONE_TIME_PRICES = [
  900, 1299, 1499, 1999, 2499, 2999, 3999, 4999, 5999, 7999, 8999, 9999, 12999, 14999, 19999, 29999, 49900,
];
const ONE_TIME_WEIGHTS = [3, 4, 6, 12, 8, 10, 8, 9, 5, 7, 4, 6, 3, 3, 2, 1, 0.5];
const SUBSCRIPTION_PRICES = [499, 999, 1499, 1999, 2999, 4999];
const SUBSCRIPTION_WEIGHTS = [3, 5, 3, 2, 1, 0.5];
const DIFFICULTIES: readonly CourseDifficultyLevel[] = ['beginner', 'intermediate', 'advanced'];
const CATEGORY_WEIGHTS = [10, 16, 7, 8, 10, 8, 7, 6, 6, 5, 3, 4]; // in COURSE_CATEGORIES order

type Status = 'published' | 'draft' | 'under_review' | 'archived';

export async function seedMarketplace(
  knex: Knex,
  options: SeedOptions,
  onProgress: SeedProgress = () => {},
): Promise<SeedSummary> {
  const started = Date.now();
  const random = new Random(options.seed);
  const now = (options.now ?? DEFAULT_SEED_NOW).getTime();
  const at = (ms: number) => new Date(Math.min(ms, now - 1000));
  const domain = seedEmailDomain(options.seed);

  const published = Math.max(1, Math.floor(options.courses));
  const extras = {
    draft: Math.round(published * 0.04),
    under_review: Math.round(published * 0.01),
    archived: Math.round(published * 0.02),
  };
  const instructorCount = Math.max(3, Math.ceil(published / 20));
  const studentCount = Math.max(50, published);

  const existing = await knex('users').where('email', `instructor-000001@${domain}`).first('id');
  if (existing)
    throw new Error(
      `seed ${options.seed} is already loaded into this database; use another --seed or a fresh database`,
    );

  const summary: SeedSummary = {
    instructors: instructorCount,
    students: studentCount,
    courses: { published, ...extras },
    lessons: 0,
    sales: 0,
    refunds: 0,
    reviews: 0,
    progress: 0,
    seconds: 0,
  };

  await knex.transaction(async (trx) => {
    const users = new TableWriter('users', {
      id: 'uuid',
      email: 'citext',
      password_hash: 'text',
      name: 'text',
      role: 'user_role',
      created_at: 'timestamptz',
      updated_at: 'timestamptz',
    });
    const courses = new TableWriter('courses', {
      id: 'uuid',
      instructor_id: 'uuid',
      title: 'text',
      description: 'text',
      category: 'course_category',
      difficulty_level: 'course_difficulty_level',
      pricing_model: 'course_pricing_model',
      price_cents: 'int4',
      subscription_price_cents: 'int4',
      status: 'course_status',
      total_duration_minutes: 'int4',
      published_at: 'timestamptz',
      created_at: 'timestamptz',
      updated_at: 'timestamptz',
      deleted_at: 'timestamptz',
    });
    const lessons = new TableWriter('course_lessons', {
      id: 'uuid',
      course_id: 'uuid',
      title: 'text',
      lesson_order: 'int4',
      is_preview: 'bool',
      video_status: 'lesson_video_status',
      video_key: 'text',
      video_duration_seconds: 'int4',
      processing_percent: 'int4',
      created_at: 'timestamptz',
      updated_at: 'timestamptz',
    });
    const transactions = new TableWriter('transactions', {
      id: 'uuid',
      course_id: 'uuid',
      buyer_id: 'uuid',
      stripe_checkout_session_id: 'text',
      stripe_payment_intent_id: 'text',
      stripe_charge_id: 'text',
      amount_gross_cents: 'int4',
      amount_discount_cents: 'int4',
      amount_net_cents: 'int4',
      tax_cents: 'int4',
      stripe_fee_cents: 'int4',
      status: 'transaction_status',
      payment_method: 'text',
      created_at: 'timestamptz',
      updated_at: 'timestamptz',
      completed_at: 'timestamptz',
      refunded_at: 'timestamptz',
    });
    const revenue = new TableWriter('revenue_records', {
      id: 'uuid',
      transaction_id: 'uuid',
      instructor_id: 'uuid',
      instructor_amount_cents: 'int4',
      platform_amount_cents: 'int4',
      status: 'revenue_record_status',
      release_at: 'timestamptz',
      released_at: 'timestamptz',
      cancelled_at: 'timestamptz',
      created_at: 'timestamptz',
      updated_at: 'timestamptz',
    });
    const enrollments = new TableWriter('enrollments', {
      id: 'uuid',
      course_id: 'uuid',
      student_id: 'uuid',
      transaction_id: 'uuid',
      status: 'enrollment_status',
      enrolled_at: 'timestamptz',
      last_accessed_at: 'timestamptz',
      completed_at: 'timestamptz',
      revoked_at: 'timestamptz',
      created_at: 'timestamptz',
      updated_at: 'timestamptz',
    });
    const audit = new TableWriter('transaction_audit_logs', {
      id: 'uuid',
      transaction_id: 'uuid',
      action: 'audit_action',
      actor_id: 'uuid',
      metadata: 'jsonb',
      created_at: 'timestamptz',
    });
    const reviews = new TableWriter('course_reviews', {
      id: 'uuid',
      course_id: 'uuid',
      reviewer_id: 'uuid',
      enrollment_id: 'uuid',
      rating: 'int4',
      review_text: 'text',
      created_at: 'timestamptz',
      updated_at: 'timestamptz',
    });
    const progress = new TableWriter('course_progress', {
      id: 'uuid',
      enrollment_id: 'uuid',
      lesson_id: 'uuid',
      progress_seconds: 'int4',
      completed: 'bool',
      last_watched_at: 'timestamptz',
      created_at: 'timestamptz',
      updated_at: 'timestamptz',
    });
    const batchRows = options.batchRows ?? 5000;
    const loader = new Loader(
      trx,
      [users, courses, lessons, transactions, revenue, enrollments, audit, reviews, progress],
      batchRows,
    );

    // --- people ---------------------------------------------------------------------------------
    const instructorIds: string[] = [];
    const studentIds: string[] = [];
    const peopleTotal = instructorCount + studentCount;
    const person = (role: 'instructor' | 'student', n: number) => {
      const id = random.uuid();
      const created = at(now - random.int(400, 1500) * DAY);
      users.add({
        id,
        email: `${role}-${String(n).padStart(6, '0')}@${domain}`,
        password_hash: options.passwordHash,
        name: personName(random),
        role,
        created_at: created,
        updated_at: created,
      });
      return id;
    };
    for (let i = 1; i <= instructorCount; i++) instructorIds.push(person('instructor', i));
    for (let i = 1; i <= studentCount; i++) {
      studentIds.push(person('student', i));
      if (i % 1000 === 0) {
        await loader.flushIfFull();
        onProgress('users', instructorCount + i, peopleTotal);
      }
    }
    await loader.flush();
    onProgress('users', peopleTotal, peopleTotal);

    // --- the catalogue, and each course's life --------------------------------------------------
    const statuses: Status[] = [
      ...Array<Status>(published).fill('published'),
      ...Array<Status>(extras.draft).fill('draft'),
      ...Array<Status>(extras.under_review).fill('under_review'),
      ...Array<Status>(extras.archived).fill('archived'),
    ];
    for (let n = 0; n < statuses.length; n++) {
      const status = statuses[n];
      const courseId = random.uuid();
      // A few prolific instructors, a long tail of occasional ones.
      const instructorId = instructorIds[Math.floor(instructorIds.length * random.next() ** 2)];
      const category = random.weighted<CourseCategory>(COURSE_CATEGORIES, CATEGORY_WEIGHTS);
      const difficulty = random.weighted(DIFFICULTIES, [5, 4, 2]);
      const topic = random.pick(TOPICS[category]);
      const subscription = random.chance(0.1);
      // More courses were published recently than years ago.
      const listed = status === 'published' || status === 'archived';
      const publishedAt = listed ? now - DAY - Math.floor(1094 * DAY * random.next() ** 1.5) : null;
      const createdAt = (publishedAt ?? now - random.int(1, 200) * DAY) - random.int(1, 60) * DAY;
      const deletedAt =
        status === 'archived' && publishedAt ? publishedAt + Math.floor((now - publishedAt) * random.next()) : null;

      // Lessons: drafts may still wait for their videos; everything else is processed.
      const lessonCount = status === 'draft' ? random.int(0, 3) : random.int(3, 12);
      const lessonIds: string[] = [];
      const durations: number[] = [];
      let previewSeconds = 0;
      for (let i = 0; i < lessonCount; i++) {
        const id = random.uuid();
        const ready = status !== 'draft';
        const duration = random.int(120, 1500);
        // Free previews stay within the 15-minute limit.
        const preview = ready && i < 2 && previewSeconds + duration <= 900 && (i === 0 || random.chance(0.5));
        if (preview) previewSeconds += duration;
        lessons.add({
          id,
          course_id: courseId,
          title: lessonTitle(random, i, category),
          lesson_order: i + 1,
          is_preview: preview,
          video_status: ready ? 'ready' : 'awaiting_upload',
          video_key: ready ? `courses/${courseId}/videos/${id}.mp4` : null,
          video_duration_seconds: ready ? duration : null,
          processing_percent: ready ? 100 : 0,
          created_at: new Date(createdAt),
          updated_at: new Date(createdAt),
        });
        lessonIds.push(id);
        durations.push(duration);
      }
      summary.lessons += lessonCount;

      const priceCents = subscription
        ? random.weighted(SUBSCRIPTION_PRICES, SUBSCRIPTION_WEIGHTS)
        : random.weighted(ONE_TIME_PRICES, ONE_TIME_WEIGHTS);
      courses.add({
        id: courseId,
        instructor_id: instructorId,
        title: courseTitle(random, topic, difficulty),
        description: courseDescription(random, category, topic, difficulty),
        category,
        difficulty_level: difficulty,
        pricing_model: subscription ? 'subscription' : 'one_time',
        price_cents: subscription ? null : priceCents,
        subscription_price_cents: subscription ? priceCents : null,
        status,
        total_duration_minutes: status === 'draft' ? 0 : Math.round(durations.reduce((a, b) => a + b, 0) / 60),
        published_at: publishedAt === null ? null : new Date(publishedAt),
        created_at: new Date(createdAt),
        updated_at: new Date(deletedAt ?? publishedAt ?? createdAt),
        deleted_at: deletedAt === null ? null : new Date(deletedAt),
      });

      // Sales: only once the course was on sale for longer than the escrow hold; popularity is long-tailed
      // and goes with quality, which also sets the ratings.
      const quality = random.normal();
      const lastSale = Math.min(deletedAt ?? now, now) - ESCROW_HOLD_MS - DAY;
      if (publishedAt !== null && publishedAt < lastSale) {
        const ageFactor = Math.min(1, (lastSale - publishedAt) / (365 * DAY));
        const buyers = Math.min(
          Math.floor(studentIds.length / 2),
          3000,
          Math.max(0, Math.round(Math.exp(1.1 + 0.5 * quality + 1.2 * random.normal()) * ageFactor) - 1),
        );
        const meanRating = Math.min(5, Math.max(1.5, 4.2 + 0.45 * quality));
        for (const s of random.sample(studentIds.length, buyers)) {
          const studentId = studentIds[s];
          const completedAt = publishedAt + Math.floor((lastSale - publishedAt) * random.next());
          const sale = recordSale({
            courseId,
            instructorId,
            studentId,
            priceCents,
            completedAt,
            refunded: random.chance(0.02),
          });
          summary.sales++;
          if (sale.refunded) {
            summary.refunds++;
            continue;
          }
          if (random.chance(0.3)) {
            const rating = Math.min(5, Math.max(1, Math.round(meanRating + 0.8 * random.normal())));
            const created = at(completedAt + random.int(1, 60) * DAY);
            reviews.add({
              id: random.uuid(),
              course_id: courseId,
              reviewer_id: studentId,
              enrollment_id: sale.enrollmentId,
              rating,
              review_text: reviewText(random, rating),
              created_at: created,
              updated_at: created,
            });
            summary.reviews++;
          }
          if (random.chance(0.5) && lessonIds.length > 0) {
            const watched = random.int(1, lessonIds.length);
            let t = completedAt;
            let lastDone = false;
            for (let i = 0; i < watched; i++) {
              t += random.int(1, 72) * 3600 * 1000;
              lastDone = i < watched - 1 || random.chance(0.7);
              const seconds = lastDone ? durations[i] : random.int(0, durations[i] - 1);
              progress.add({
                id: random.uuid(),
                enrollment_id: sale.enrollmentId,
                lesson_id: lessonIds[i],
                progress_seconds: seconds,
                completed: lastDone,
                last_watched_at: at(t),
                created_at: at(t),
                updated_at: at(t),
              });
              summary.progress++;
            }
            // Completed when every lesson is: the one being watched last may still be unfinished.
            sale.finish(at(t), watched === lessonIds.length && lastDone);
          }
          sale.commit();
        }
      }
      await loader.flushIfFull();
      if (n % 250 === 0) onProgress('courses', n, statuses.length);
    }
    await loader.flush();
    onProgress('courses', statuses.length, statuses.length);

    /**
     * One sale as `recordCompletedSale` records it (transaction, split, enrollment, audit), written in
     * bulk; a refunded one as the refund leaves it (refunded, share cancelled, enrollment revoked).
     * The enrollment row waits for `commit()`, so progress can still set its completion and last access.
     */
    function recordSale(input: {
      courseId: string;
      instructorId: string;
      studentId: string;
      priceCents: number;
      completedAt: number;
      refunded: boolean;
    }) {
      const transactionId = random.uuid();
      const enrollmentId = random.uuid();
      const completed = new Date(input.completedAt);
      const created = new Date(input.completedAt - random.int(30, 900) * 1000);
      const { instructorCents, platformCents } = splitRevenue(input.priceCents);
      const refundedAt = input.refunded ? at(input.completedAt + random.int(1, 29) * DAY) : null;
      const releaseAt = new Date(input.completedAt + ESCROW_HOLD_MS);
      const releasedBeforeRefund = !refundedAt || refundedAt.getTime() >= releaseAt.getTime();
      transactions.add({
        id: transactionId,
        course_id: input.courseId,
        buyer_id: input.studentId,
        stripe_checkout_session_id: `cs_seed_${transactionId}`,
        stripe_payment_intent_id: `pi_seed_${transactionId}`,
        stripe_charge_id: `ch_seed_${transactionId}`,
        amount_gross_cents: input.priceCents,
        amount_discount_cents: 0,
        amount_net_cents: input.priceCents,
        tax_cents: 0,
        stripe_fee_cents: estimateStripeFee(input.priceCents),
        status: refundedAt ? 'refunded' : 'completed',
        payment_method: 'card',
        created_at: created,
        updated_at: refundedAt ?? completed,
        completed_at: completed,
        refunded_at: refundedAt,
      });
      revenue.add({
        id: random.uuid(),
        transaction_id: transactionId,
        instructor_id: input.instructorId,
        instructor_amount_cents: instructorCents,
        platform_amount_cents: platformCents,
        status: refundedAt ? 'cancelled' : 'payable',
        release_at: releaseAt,
        released_at: releasedBeforeRefund ? releaseAt : null,
        cancelled_at: refundedAt,
        created_at: completed,
        updated_at: refundedAt ?? releaseAt,
      });
      audit.add({
        id: random.uuid(),
        transaction_id: transactionId,
        action: 'purchase',
        actor_id: input.studentId,
        created_at: completed,
        metadata: JSON.stringify({
          courseId: input.courseId,
          grossCents: input.priceCents,
          discountCents: 0,
          netCents: input.priceCents,
          taxCents: 0,
          instructorCents,
          platformCents,
        }),
      });
      if (refundedAt) {
        audit.add({
          id: random.uuid(),
          transaction_id: transactionId,
          action: 'refund_processed',
          actor_id: input.studentId,
          created_at: refundedAt,
          metadata: JSON.stringify({ amountCents: input.priceCents, instructorCents }),
        });
      }
      let lastAccess: Date | null = null;
      let completedCourse: Date | null = null;
      const enrollment = () => ({
        id: enrollmentId,
        course_id: input.courseId,
        student_id: input.studentId,
        transaction_id: transactionId,
        status: refundedAt ? 'revoked' : 'active',
        enrolled_at: completed,
        last_accessed_at: lastAccess,
        completed_at: completedCourse,
        revoked_at: refundedAt,
        created_at: completed,
        updated_at: refundedAt ?? lastAccess ?? completed,
      });
      if (refundedAt) enrollments.add(enrollment());
      return {
        enrollmentId,
        refunded: refundedAt !== null,
        finish(last: Date, completedAll: boolean) {
          lastAccess = last;
          if (completedAll) completedCourse = last;
        },
        commit() {
          enrollments.add(enrollment());
        },
      };
    }
  });

  // Fresh statistics and visibility maps, so the planner and index-only scans see the data as it is. The
  // counters were written after the courses (one extra row version each): compact courses as a mature
  // table would be, rather than benchmark a table that is half dead rows.
  onProgress('analyze', 0, 1);
  await knex.raw('VACUUM (FULL) courses');
  // VACUUM FULL leaves the visibility map empty (no index-only scans) until a plain VACUUM fills it.
  for (const table of [
    'courses',
    'users',
    'course_lessons',
    'transactions',
    'revenue_records',
    'enrollments',
    'course_reviews',
    'course_progress',
  ]) {
    await knex.raw(`VACUUM (ANALYZE) ${table}`);
  }
  onProgress('analyze', 1, 1);
  summary.seconds = Math.round((Date.now() - started) / 100) / 10;
  return summary;
}
