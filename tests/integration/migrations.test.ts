/**
 * The schema, against a real Postgres server: a throwaway database is created on the server that
 * DATABASE_URL points at, migrated to the latest version, probed (the constraints really hold, the models'
 * relation mappings and enum vocabularies match the tables), rolled back completely (nothing left behind)
 * and migrated again.
 */
import { randomBytes } from 'node:crypto';
import knexFactory, { type Knex } from 'knex';
import { createKnex, knexConfig } from '../../src/db/knex';
import {
  AUDIT_ACTIONS,
  COUPON_DISCOUNT_TYPES,
  COURSE_CATEGORIES,
  COURSE_DIFFICULTY_LEVELS,
  COURSE_PRICING_MODELS,
  COURSE_STATUSES,
  Course,
  ENROLLMENT_STATUSES,
  Enrollment,
  LESSON_VIDEO_STATUSES,
  PAYOUT_STATUSES,
  REVENUE_ADJUSTMENT_STATUSES,
  REVENUE_RECORD_STATUSES,
  TRANSACTION_STATUSES,
  Transaction,
  USER_ROLES,
  User,
} from '../../src/models';

jest.setTimeout(120_000);

const serverUrl = process.env.DATABASE_URL;
if (!serverUrl) {
  throw new Error('DATABASE_URL must point at a running Postgres server (a user allowed to CREATE DATABASE)');
}

const dbName = `edustream_migr_${randomBytes(6).toString('hex')}`;
let admin: Knex;
let db: Knex;

const TABLES = [
  'certificates',
  'coupons',
  'course_lessons',
  'course_progress',
  'course_reviews',
  'courses',
  'enrollments',
  'idempotency_keys',
  'instructor_payouts',
  'notifications',
  'revenue_adjustments',
  'revenue_records',
  'review_votes',
  'stripe_events',
  'transaction_audit_logs',
  'transactions',
  'users',
];

/** Each enum type and the vocabulary the models (and DESIGN §9) use for it. */
const ENUMS: Record<string, readonly string[]> = {
  user_role: USER_ROLES,
  course_category: COURSE_CATEGORIES,
  course_difficulty_level: COURSE_DIFFICULTY_LEVELS,
  course_pricing_model: COURSE_PRICING_MODELS,
  course_status: COURSE_STATUSES,
  lesson_video_status: LESSON_VIDEO_STATUSES,
  coupon_discount_type: COUPON_DISCOUNT_TYPES,
  transaction_status: TRANSACTION_STATUSES,
  payout_status: PAYOUT_STATUSES,
  revenue_record_status: REVENUE_RECORD_STATUSES,
  revenue_adjustment_status: REVENUE_ADJUSTMENT_STATUSES,
  enrollment_status: ENROLLMENT_STATUSES,
  audit_action: AUDIT_ACTIONS,
};

// Postgres SQLSTATEs
const UNIQUE = '23505';
const CHECK = '23514';
const FOREIGN_KEY = '23503';
const RESTRICT = '23001';
const INVALID_ENUM = '22P02';

function databaseUrl(name: string): string {
  const url = new URL(serverUrl as string);
  url.pathname = `/${name}`;
  return url.toString();
}

/** Awaits `query` and asserts it failed with the given SQLSTATE (and constraint name, when given). */
async function expectPgError(query: PromiseLike<unknown>, code: string, constraint?: string): Promise<void> {
  const err = await Promise.resolve(query).then(
    () => undefined,
    (e: unknown) => e as { code?: string; constraint?: string; message?: string },
  );
  if (!err)
    throw new Error(`expected the query to fail with ${code}${constraint ? ` (${constraint})` : ''}, it succeeded`);
  expect({ code: err.code, constraint: constraint === undefined ? undefined : err.constraint }).toEqual({
    code,
    constraint,
  });
}

async function publicTables(): Promise<string[]> {
  const names: string[] = await db('pg_tables').where({ schemaname: 'public' }).pluck('tablename');
  return names.filter((t) => !t.startsWith('knex_migrations')).sort();
}

async function publicEnums(): Promise<Record<string, string[]>> {
  const { rows } = await db.raw<{ rows: { name: string; labels: string[] }[] }>(`
    SELECT t.typname AS name, array_agg(e.enumlabel::text ORDER BY e.enumsortorder) AS labels
    FROM pg_type t
    JOIN pg_enum e ON e.enumtypid = t.oid
    JOIN pg_namespace n ON n.oid = t.typnamespace
    WHERE n.nspname = 'public'
    GROUP BY t.typname`);
  return Object.fromEntries(rows.map((r) => [r.name, r.labels]));
}

// ---------------------------------------------------------------------------------------------------------
// fixtures: every test makes its own rows
// ---------------------------------------------------------------------------------------------------------

const uid = () => randomBytes(5).toString('hex');

async function makeUser(role: 'student' | 'instructor' | 'admin' = 'student') {
  const [user] = await db('users')
    .insert({ email: `user-${uid()}@example.com`, password_hash: 'hash', name: 'Test User', role })
    .returning('*');
  return user as { id: string; email: string };
}

async function makeCourse(instructorId: string, overrides: Record<string, unknown> = {}) {
  const [course] = await db('courses')
    .insert({
      instructor_id: instructorId,
      title: 'Python for Data Science',
      description: 'Learn pandas, numpy and matplotlib from scratch.',
      category: 'data_science',
      difficulty_level: 'beginner',
      pricing_model: 'one_time',
      price_cents: 7900,
      ...overrides,
    })
    .returning('*');
  return course as { id: string; instructor_id: string };
}

async function makeLesson(courseId: string, order: number, overrides: Record<string, unknown> = {}) {
  const [lesson] = await db('course_lessons')
    .insert({ course_id: courseId, title: `Lesson ${order}`, lesson_order: order, ...overrides })
    .returning('*');
  return lesson as { id: string };
}

function transactionRow(courseId: string, buyerId: string, overrides: Record<string, unknown> = {}) {
  return {
    course_id: courseId,
    buyer_id: buyerId,
    stripe_checkout_session_id: `cs_test_${uid()}`,
    amount_gross_cents: 7900,
    amount_discount_cents: 0,
    amount_net_cents: 7900,
    ...overrides,
  };
}

async function makeSale() {
  const instructor = await makeUser('instructor');
  const buyer = await makeUser();
  const course = await makeCourse(instructor.id);
  const [transaction] = await db('transactions')
    .insert(
      transactionRow(course.id, buyer.id, {
        status: 'completed',
        stripe_payment_intent_id: `pi_${uid()}`,
        stripe_fee_cents: 259,
        completed_at: db.fn.now(),
      }),
    )
    .returning('*');
  const [enrollment] = await db('enrollments')
    .insert({ course_id: course.id, student_id: buyer.id, transaction_id: transaction.id })
    .returning('*');
  return {
    instructor,
    buyer,
    course,
    transaction: transaction as { id: string },
    enrollment: enrollment as { id: string },
  };
}

async function makePayout(instructorId: string, overrides: Record<string, unknown> = {}) {
  const [payout] = await db('instructor_payouts')
    .insert({
      instructor_id: instructorId,
      payout_period: '2026-02-01',
      gross_cents: 6000,
      adjustments_cents: 0,
      total_amount_cents: 6000,
      ...overrides,
    })
    .returning('*');
  return payout as { id: string };
}

// ---------------------------------------------------------------------------------------------------------

beforeAll(async () => {
  admin = knexFactory({ ...knexConfig(serverUrl), pool: { min: 0, max: 1 } });
  await admin.raw('CREATE DATABASE ??', [dbName]);
  db = createKnex(databaseUrl(dbName));
});

afterAll(async () => {
  await db?.destroy();
  if (admin) {
    await admin.raw('DROP DATABASE IF EXISTS ?? WITH (FORCE)', [dbName]);
    await admin.destroy();
  }
});

describe('database migrations', () => {
  it('migrate.latest builds every table and enum on an empty database', async () => {
    const [, applied] = (await db.migrate.latest()) as [number, string[]];
    expect(applied.length).toBeGreaterThanOrEqual(17);
    expect(await publicTables()).toEqual(expect.arrayContaining(TABLES));

    const enums = await publicEnums();
    for (const [name, labels] of Object.entries(ENUMS)) {
      expect({ name, labels: enums[name] }).toEqual({ name, labels: [...labels] });
    }
  });

  it('users: e-mail is unique regardless of case; the role vocabulary is closed', async () => {
    const email = `Ada.${uid()}@Example.com`;
    await db('users').insert({ email, password_hash: 'h', name: 'Ada' });
    await expectPgError(
      db('users').insert({ email: email.toLowerCase(), password_hash: 'h', name: 'Ada again' }),
      UNIQUE,
      'users_email_unique',
    );
    expect(await db('users').where({ email: email.toUpperCase() }).first('name')).toEqual({ name: 'Ada' });
    await expectPgError(
      db('users').insert({ email: `x${uid()}@example.com`, password_hash: 'h', name: 'X', role: 'superuser' }),
      INVALID_ENUM,
    );
  });

  it('courses: price bounds per pricing model, in cents', async () => {
    const instructor = await makeUser('instructor');
    await makeCourse(instructor.id, { price_cents: 900 });
    await makeCourse(instructor.id, { price_cents: 49900 });
    await expectPgError(makeCourse(instructor.id, { price_cents: 899 }), CHECK, 'courses_price_cents_range');
    await expectPgError(makeCourse(instructor.id, { price_cents: 49901 }), CHECK, 'courses_price_cents_range');
    await expectPgError(makeCourse(instructor.id, { price_cents: null }), CHECK, 'courses_pricing_model_price_check');

    const subscription = { pricing_model: 'subscription', price_cents: null };
    await makeCourse(instructor.id, { ...subscription, subscription_price_cents: 499 });
    await makeCourse(instructor.id, { ...subscription, subscription_price_cents: 4999 });
    await expectPgError(
      makeCourse(instructor.id, { ...subscription, subscription_price_cents: 498 }),
      CHECK,
      'courses_subscription_price_cents_range',
    );
    await expectPgError(
      makeCourse(instructor.id, { ...subscription, subscription_price_cents: 5000 }),
      CHECK,
      'courses_subscription_price_cents_range',
    );
    await expectPgError(makeCourse(instructor.id, subscription), CHECK, 'courses_pricing_model_price_check');
    await expectPgError(makeCourse(instructor.id, { status: 'published' }), CHECK, 'courses_published_at_check');
    await expectPgError(makeCourse(instructor.id, { category: 'cooking' }), INVALID_ENUM);
  });

  it('courses: the generated search vector is indexed and ranks title matches first', async () => {
    const instructor = await makeUser('instructor');
    const word = `zebrafish${uid().replace(/\d/g, '')}`;
    const inTitle = await makeCourse(instructor.id, { title: `Mastering ${word}`, description: 'A course.' });
    const inText = await makeCourse(instructor.id, { title: 'Biology', description: `All about ${word} and more.` });

    const hits = await db('courses')
      .whereRaw("search_vector @@ websearch_to_tsquery('english', ?)", [word])
      .orderByRaw("ts_rank(search_vector, websearch_to_tsquery('english', ?)) DESC", [word])
      .pluck('id');
    expect(hits).toEqual([inTitle.id, inText.id]);

    const indexes = await db('pg_indexes').where({ tablename: 'courses' }).pluck('indexname');
    expect(indexes).toEqual(
      expect.arrayContaining([
        'idx_courses_fulltext_search',
        'idx_courses_filters',
        'idx_courses_published_sort',
        'idx_courses_instructor_status',
        'idx_courses_category_status_date',
        'idx_courses_price',
      ]),
    );
    const { rows } = await db.raw<{ rows: { indexdef: string }[] }>(
      "SELECT indexdef FROM pg_indexes WHERE indexname = 'idx_courses_fulltext_search'",
    );
    expect(rows[0]?.indexdef).toMatch(/USING gin \(search_vector\)/);
  });

  it('course_lessons: order unique per course but deferrable for a bulk reorder; video state is consistent', async () => {
    const course = await makeCourse((await makeUser('instructor')).id);
    const first = await makeLesson(course.id, 1);
    const second = await makeLesson(course.id, 2);
    await expectPgError(makeLesson(course.id, 2), UNIQUE, 'idx_lessons_course_order');

    // swapping two positions violates the constraint mid-way unless it is deferred
    await expectPgError(
      db.transaction(async (trx) => {
        await trx('course_lessons').where({ id: first.id }).update({ lesson_order: 2 });
        await trx('course_lessons').where({ id: second.id }).update({ lesson_order: 1 });
      }),
      UNIQUE,
      'idx_lessons_course_order',
    );
    await db.transaction(async (trx) => {
      await trx.raw('SET CONSTRAINTS idx_lessons_course_order DEFERRED');
      await trx('course_lessons').where({ id: first.id }).update({ lesson_order: 2 });
      await trx('course_lessons').where({ id: second.id }).update({ lesson_order: 1 });
    });
    expect(await db('course_lessons').where({ course_id: course.id }).orderBy('lesson_order').pluck('id')).toEqual([
      second.id,
      first.id,
    ]);

    await expectPgError(makeLesson(course.id, 0), CHECK, 'course_lessons_lesson_order_positive');
    await expectPgError(
      makeLesson(course.id, 3, { video_duration_seconds: 0 }),
      CHECK,
      'course_lessons_video_duration_positive',
    );
    await expectPgError(
      makeLesson(course.id, 3, { video_status: 'failed' }),
      CHECK,
      'course_lessons_failed_has_reason',
    );
    await expectPgError(makeLesson(course.id, 3, { video_status: 'ready' }), CHECK, 'course_lessons_ready_has_video');
    await expectPgError(makeLesson(course.id, 3, { video_status: 'uploading' }), INVALID_ENUM);
    const fresh = await makeLesson(course.id, 3);
    expect(fresh).toMatchObject({ video_status: 'awaiting_upload', video_key: null, video_duration_seconds: null });

    // deleting a course takes its lessons with it
    await db('courses').where({ id: course.id }).delete();
    expect(await db('course_lessons').where({ course_id: course.id }).count({ n: '*' })).toEqual([{ n: 0 }]);
  });

  it('coupons: upper-case unique codes, one discount column per unit, usage within the limit', async () => {
    const instructor = await makeUser('instructor');
    const code = `PYTHON${uid().toUpperCase()}`;
    const coupon = (creator: string, overrides: Record<string, unknown>) =>
      db('coupons').insert({ code: `C${uid().toUpperCase()}`, creator_id: creator, ...overrides });

    await coupon(instructor.id, { code, discount_type: 'percentage', percent_off: 20 });
    await expectPgError(
      coupon(instructor.id, { code, discount_type: 'percentage', percent_off: 10 }),
      UNIQUE,
      'idx_coupons_code',
    );
    await expectPgError(
      coupon(instructor.id, { code: 'python20', discount_type: 'percentage', percent_off: 20 }),
      CHECK,
      'coupons_code_uppercase',
    );
    await coupon(instructor.id, { discount_type: 'percentage', percent_off: 100 });
    await coupon(instructor.id, { discount_type: 'fixed_amount', amount_off_cents: 1000 });
    for (const bad of [
      { discount_type: 'percentage', percent_off: 0 },
      { discount_type: 'percentage', percent_off: 101 },
      { discount_type: 'percentage', percent_off: 20, amount_off_cents: 500 },
      { discount_type: 'fixed_amount', amount_off_cents: 0 },
      { discount_type: 'fixed_amount', percent_off: 20 },
    ]) {
      await expectPgError(coupon(instructor.id, bad), CHECK, 'coupons_discount_value_check');
    }
    await expectPgError(
      coupon(instructor.id, { discount_type: 'percentage', percent_off: 20, max_uses: 1, current_uses: 2 }),
      CHECK,
      'coupons_uses_within_max',
    );
    const [limited] = await coupon(instructor.id, {
      discount_type: 'percentage',
      percent_off: 20,
      max_uses: 1,
    }).returning('id');
    await db('coupons').where({ id: limited.id }).increment('current_uses', 1);
    await expectPgError(
      db('coupons').where({ id: limited.id }).increment('current_uses', 1),
      CHECK,
      'coupons_uses_within_max',
    );
  });

  it('transactions: net = gross − discount, unique Stripe ids, completed rows are complete, history is kept', async () => {
    const instructor = await makeUser('instructor');
    const buyer = await makeUser();
    const course = await makeCourse(instructor.id);

    await expectPgError(
      db('transactions').insert(transactionRow(course.id, buyer.id, { amount_discount_cents: 1580 })),
      CHECK,
      'transactions_amount_net_equals_gross_minus_discount',
    );
    await db('transactions').insert(
      transactionRow(course.id, buyer.id, { amount_discount_cents: 1580, amount_net_cents: 6320 }),
    );
    await expectPgError(
      db('transactions').insert(transactionRow(course.id, buyer.id, { amount_gross_cents: 0, amount_net_cents: 0 })),
      CHECK,
      'transactions_amount_gross_positive',
    );

    // one open (pending) checkout attempt per buyer and course
    await expectPgError(
      db('transactions').insert(transactionRow(course.id, buyer.id)),
      UNIQUE,
      'idx_transactions_open_checkout',
    );

    const session = `cs_test_${uid()}`;
    await db('transactions').insert(
      transactionRow(course.id, (await makeUser()).id, { stripe_checkout_session_id: session }),
    );
    await expectPgError(
      db('transactions').insert(
        transactionRow(course.id, (await makeUser()).id, { stripe_checkout_session_id: session }),
      ),
      UNIQUE,
      'idx_transactions_checkout_session',
    );

    // pending rows have no payment intent yet; once set it is unique
    await db('transactions').insert([
      transactionRow(course.id, (await makeUser()).id),
      transactionRow(course.id, (await makeUser()).id),
    ]);
    const pi = `pi_${uid()}`;
    const paid = { status: 'completed', stripe_payment_intent_id: pi, stripe_fee_cents: 259, completed_at: new Date() };
    await db('transactions').insert(transactionRow(course.id, buyer.id, paid));
    await expectPgError(
      db('transactions').insert(transactionRow(course.id, buyer.id, paid)),
      UNIQUE,
      'idx_transactions_stripe',
    );
    await expectPgError(
      db('transactions').insert(transactionRow(course.id, buyer.id, { status: 'completed', stripe_fee_cents: 259 })),
      CHECK,
      'transactions_completed_fields',
    );
    await expectPgError(
      db('transactions').insert(
        transactionRow(course.id, buyer.id, { ...paid, stripe_payment_intent_id: null, status: 'refunded' }),
      ),
      CHECK,
      'transactions_refunded_at_check',
    );

    // ON DELETE RESTRICT: a buyer or a course with transactions cannot be deleted
    await expectPgError(db('users').where({ id: buyer.id }).delete(), FOREIGN_KEY, 'transactions_buyer_id_foreign');
    await expectPgError(db('courses').where({ id: course.id }).delete(), FOREIGN_KEY, 'transactions_course_id_foreign');
  });

  it('revenue, payouts and adjustments: one share per sale, $50 minimum, consistent states', async () => {
    const { instructor, transaction } = await makeSale();
    const releaseAt = new Date(Date.now() + 7 * 24 * 3600 * 1000);
    const share = {
      transaction_id: transaction.id,
      instructor_id: instructor.id,
      instructor_amount_cents: 5530,
      platform_amount_cents: 2370,
      release_at: releaseAt,
    };
    await expectPgError(
      db('revenue_records').insert({ ...share, instructor_amount_cents: -1 }),
      CHECK,
      'revenue_records_instructor_amount_nonnegative',
    );
    await expectPgError(
      db('revenue_records').insert({ ...share, status: 'paid' }),
      CHECK,
      'revenue_records_paid_has_payout',
    );
    const [record] = await db('revenue_records').insert(share).returning('*');
    expect(record.status).toBe('held');
    await expectPgError(db('revenue_records').insert(share), UNIQUE, 'idx_revenue_transaction');
    await expectPgError(
      db('revenue_records').where({ id: record.id }).update({ status: 'cancelled' }),
      CHECK,
      'revenue_records_cancelled_at_check',
    );

    await expectPgError(
      makePayout(instructor.id, { gross_cents: 4999, total_amount_cents: 4999 }),
      CHECK,
      'instructor_payouts_minimum_amount',
    );
    await expectPgError(
      makePayout(instructor.id, { adjustments_cents: 500 }),
      CHECK,
      'instructor_payouts_total_equals_gross_minus_adjustments',
    );
    await expectPgError(
      makePayout(instructor.id, { payout_period: '2026-02-15' }),
      CHECK,
      'instructor_payouts_period_first_of_month',
    );
    const payout = await makePayout(instructor.id, { gross_cents: 7000, adjustments_cents: 1000 });
    await expectPgError(makePayout(instructor.id), UNIQUE, 'idx_payouts_instructor_period');
    await expectPgError(
      db('instructor_payouts').where({ id: payout.id }).update({ status: 'completed' }),
      CHECK,
      'instructor_payouts_completed_fields',
    );
    await expectPgError(
      db('instructor_payouts').where({ id: payout.id }).update({ status: 'failed' }),
      CHECK,
      'instructor_payouts_failed_has_reason',
    );
    const transfer = `tr_${uid()}`;
    await db('instructor_payouts')
      .where({ id: payout.id })
      .update({ status: 'completed', stripe_transfer_id: transfer, completed_at: new Date() });
    const other = await makeUser('instructor');
    await expectPgError(makePayout(other.id, { stripe_transfer_id: transfer }), UNIQUE, 'idx_payouts_stripe');
    expect(
      await db('instructor_payouts').where({ id: payout.id }).first('payout_period', 'total_amount_cents'),
    ).toEqual({ payout_period: '2026-02-01', total_amount_cents: 6000 });

    await db('revenue_records').where({ id: record.id }).update({ status: 'paid', payout_id: payout.id });

    const adjustment = {
      instructor_id: instructor.id,
      revenue_record_id: record.id,
      transaction_id: transaction.id,
      amount_cents: 5530,
      reason: 'refund after payout',
    };
    await expectPgError(
      db('revenue_adjustments').insert({ ...adjustment, amount_cents: 0 }),
      CHECK,
      'revenue_adjustments_amount_positive',
    );
    await expectPgError(
      db('revenue_adjustments').insert({ ...adjustment, status: 'applied' }),
      CHECK,
      'revenue_adjustments_applied_fields',
    );
    await db('revenue_adjustments').insert(adjustment);
    await expectPgError(db('revenue_adjustments').insert(adjustment), UNIQUE, 'idx_adjustments_revenue_record');

    // a payout that shares were paid in cannot disappear
    await expectPgError(
      db('instructor_payouts').where({ id: payout.id }).delete(),
      FOREIGN_KEY,
      'revenue_records_payout_id_foreign',
    );
  });

  it('enrollments, progress, reviews, votes and certificates: one of each per owner', async () => {
    const { buyer, course, transaction, enrollment } = await makeSale();
    await expectPgError(
      db('enrollments').insert({ course_id: course.id, student_id: buyer.id, transaction_id: transaction.id }),
      UNIQUE,
      'idx_enrollments_unique',
    );
    await expectPgError(
      db('enrollments').where({ id: enrollment.id }).update({ status: 'revoked' }),
      CHECK,
      'enrollments_revoked_at_check',
    );

    const lesson = await makeLesson(course.id, 1);
    await db('course_progress').insert({ enrollment_id: enrollment.id, lesson_id: lesson.id, progress_seconds: 30 });
    await expectPgError(
      db('course_progress').insert({ enrollment_id: enrollment.id, lesson_id: lesson.id }),
      UNIQUE,
      'idx_progress_enrollment_lesson',
    );
    const otherLesson = await makeLesson(course.id, 2);
    await expectPgError(
      db('course_progress').insert({ enrollment_id: enrollment.id, lesson_id: otherLesson.id, progress_seconds: -1 }),
      CHECK,
      'course_progress_progress_seconds_nonnegative',
    );

    const review = { course_id: course.id, reviewer_id: buyer.id, enrollment_id: enrollment.id };
    await expectPgError(db('course_reviews').insert({ ...review, rating: 6 }), CHECK, 'course_reviews_rating_range');
    await expectPgError(db('course_reviews').insert({ ...review, rating: 0 }), CHECK, 'course_reviews_rating_range');
    await expectPgError(
      db('course_reviews').insert({ ...review, rating: 5, review_text: 'x'.repeat(501) }),
      CHECK,
      'course_reviews_text_length',
    );
    const [saved] = await db('course_reviews')
      .insert({ ...review, rating: 5, review_text: 'Great' })
      .returning('id');
    await expectPgError(db('course_reviews').insert({ ...review, rating: 4 }), UNIQUE, 'idx_reviews_unique');

    const voter = await makeUser();
    await db('review_votes').insert({ review_id: saved.id, user_id: voter.id });
    await expectPgError(
      db('review_votes').insert({ review_id: saved.id, user_id: voter.id }),
      UNIQUE,
      'idx_review_votes_unique',
    );

    await db('certificates').insert({ enrollment_id: enrollment.id });
    await expectPgError(
      db('certificates').insert({ enrollment_id: enrollment.id }),
      UNIQUE,
      'idx_certificates_enrollment',
    );
  });

  it('transaction_audit_logs: rows can be inserted, never updated, deleted or truncated', async () => {
    const { transaction, buyer } = await makeSale();
    const [row] = await db('transaction_audit_logs')
      .insert({
        transaction_id: transaction.id,
        action: 'purchase',
        actor_id: buyer.id,
        metadata: { amount_net_cents: 7900 },
        ip_address: '203.0.113.7',
      })
      .returning('*');
    expect(row).toMatchObject({ ip_address: '203.0.113.7', metadata: { amount_net_cents: 7900 } });
    await db('transaction_audit_logs').insert({ action: 'payout_failed', actor_id: null }); // a system action

    await expectPgError(
      db('transaction_audit_logs').where({ id: row.id }).update({ action: 'refund_processed' }),
      RESTRICT,
    );
    await expectPgError(db('transaction_audit_logs').where({ id: row.id }).delete(), RESTRICT);
    await expectPgError(db.raw('TRUNCATE transaction_audit_logs'), RESTRICT);
    await expectPgError(db('transaction_audit_logs').insert({ action: 'refund_denied' }), INVALID_ENUM);
    expect(await db('transaction_audit_logs').where({ id: row.id }).first('action')).toEqual({ action: 'purchase' });
  });

  it('idempotency keys, webhook inbox and outbox each record a business key once', async () => {
    const user = await makeUser();
    const key = { scope: 'checkout.create', user_id: user.id, key: uid(), request_hash: 'h', expires_at: new Date() };
    await db('idempotency_keys').insert(key);
    await expectPgError(db('idempotency_keys').insert(key), UNIQUE, 'idempotency_keys_pkey');
    await db('idempotency_keys').insert({ ...key, scope: 'refund.create' }); // another scope, same key

    const event = { id: `evt_${uid()}`, type: 'checkout.session.completed', payload: { id: 'cs_1' } };
    await db('stripe_events').insert(event);
    await expectPgError(db('stripe_events').insert(event), UNIQUE, 'stripe_events_pkey');
    const inserted = await db('stripe_events').insert(event).onConflict('id').ignore().returning('id');
    expect(inserted).toEqual([]);

    const note = { user_id: user.id, kind: 'purchase_receipt', payload: {}, dedupe_key: `receipt:${uid()}` };
    await db('notifications').insert(note);
    await expectPgError(db('notifications').insert(note), UNIQUE, 'idx_notifications_dedupe_key');
  });

  it('objection models: relation mappings resolve, numeric and json columns read back typed, updated_at moves', async () => {
    const { instructor, buyer, course, transaction, enrollment } = await makeSale();
    await makeLesson(course.id, 1, { renditions: JSON.stringify([{ height: 720, key: 'r/720.mp4' }]) });
    await db('courses').where({ id: course.id }).update({ rating_average: 4.5, rating_count: 2 });
    await db('revenue_records').insert({
      transaction_id: transaction.id,
      instructor_id: instructor.id,
      instructor_amount_cents: 5530,
      platform_amount_cents: 2370,
      release_at: new Date(),
    });

    const loaded = await Course.query()
      .findById(course.id)
      .withGraphFetched('[instructor, lessons.progress, enrollments.[student, certificate], reviews, coupons]')
      .throwIfNotFound();
    expect(loaded.rating_average).toBe(4.5);
    expect(loaded.instructor?.id).toBe(instructor.id);
    expect(loaded.instructor?.toJSON()).not.toHaveProperty('password_hash');
    expect(loaded.lessons?.[0]?.renditions).toEqual([{ height: 720, key: 'r/720.mp4' }]);
    expect(loaded.enrollments?.map((e) => e.student?.id)).toEqual([buyer.id]);

    const sale = await Transaction.query()
      .findById(transaction.id)
      .withGraphFetched(
        '[course, buyer, coupon, revenueRecord.[instructor, payout, adjustment], enrollment, auditLogs]',
      )
      .throwIfNotFound();
    expect(sale.revenueRecord?.instructor_amount_cents).toBe(5530);
    expect(sale.revenueRecord?.instructor?.id).toBe(instructor.id);
    expect(sale.enrollment?.id).toBe(enrollment.id);
    expect(sale.coupon).toBeNull();

    const student = await User.query()
      .findById(buyer.id)
      .withGraphFetched('[enrollments.[course, transaction, progress, review, certificate], purchases]')
      .throwIfNotFound();
    expect(student.purchases?.map((t) => t.id)).toEqual([transaction.id]);

    const before = (await Enrollment.query().findById(enrollment.id).throwIfNotFound()).updated_at;
    await new Promise((resolve) => setTimeout(resolve, 5));
    await Enrollment.query().patch({ last_accessed_at: new Date() }).findById(enrollment.id);
    const after = (await Enrollment.query().findById(enrollment.id).throwIfNotFound()).updated_at;
    expect(after.getTime()).toBeGreaterThan(before.getTime());
  });

  it('rollback(all) removes every table, type and function, and latest rebuilds them', async () => {
    await db.migrate.rollback(undefined, true);
    expect(await publicTables()).toEqual([]);
    expect(await publicEnums()).toEqual({});
    // no enum, domain or base type (citext) left; only the row types of knex's own tables remain
    const { rows: types } = await db.raw<{ rows: { typname: string }[] }>(`
      SELECT t.typname FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace
      WHERE n.nspname = 'public' AND t.typrelid = 0 AND t.typcategory <> 'A'`);
    expect(types).toEqual([]);
    expect(await db('pg_extension').where({ extname: 'citext' }).pluck('extname')).toEqual([]);
    const { rows: functions } = await db.raw<{ rows: { proname: string }[] }>(`
      SELECT p.proname FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname = 'public'`);
    expect(functions).toEqual([]);
    const [, [...pending]] = (await db.migrate.list()) as [unknown[], unknown[]];
    expect(pending.length).toBeGreaterThanOrEqual(17);

    const [, applied] = (await db.migrate.latest()) as [number, string[]];
    expect(applied.length).toBe(pending.length);
    expect(await publicTables()).toEqual(expect.arrayContaining(TABLES));
    // and the constraints are back
    const instructor = await makeUser('instructor');
    await expectPgError(makeCourse(instructor.id, { price_cents: 899 }), CHECK, 'courses_price_cents_range');
  });
});
