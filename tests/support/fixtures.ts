/**
 * Test data written straight to the database, for tests whose subject is something else (a learner's
 * progress needs a paid enrollment; a payout needs released sales). Each call makes fresh rows, so tests
 * can run in any order. Sales go through the same `recordCompletedSale` the checkout fulfilment uses.
 */
import { randomUUID } from 'node:crypto';
import type { Knex } from 'knex';
import type { Role } from '../../src/accounts/identity';
import { hashPassword } from '../../src/accounts/passwords';
import { signToken } from '../../src/api/auth';
import type { Config } from '../../src/config';
import { recordCompletedSale, type RecordedSale } from '../../src/sales/record-sale';
import { uniqueEmail } from './api';

export const FIXTURE_PASSWORD = 'correct horse battery';
let passwordHash: Promise<string> | undefined;

export interface FixtureUser {
  id: string;
  email: string;
  name: string;
  role: Role;
  /** A bearer token for this user: `.set('Authorization', `Bearer ${user.token}`)`. */
  token: string;
  auth: { Authorization: string };
}

export async function createUser(
  knex: Knex,
  config: Config,
  role: Role = 'student',
  name = `Test ${role}`,
): Promise<FixtureUser> {
  passwordHash ??= hashPassword(FIXTURE_PASSWORD);
  const email = uniqueEmail(role);
  const [row] = await knex('users')
    .insert({ email, name, role, password_hash: await passwordHash })
    .returning<{ id: string }[]>('id');
  const token = signToken(config, { id: row.id, role, email });
  return { id: row.id, email, name, role, token, auth: { Authorization: `Bearer ${token}` } };
}

export interface CourseFixture {
  id: string;
  instructorId: string;
  priceCents: number;
  title: string;
}

export async function createCourse(
  knex: Knex,
  instructorId: string,
  overrides: Partial<{
    title: string;
    description: string;
    priceCents: number;
    status: string;
    category: string;
    difficulty: string;
  }> = {},
): Promise<CourseFixture> {
  const status = overrides.status ?? 'published';
  const title = overrides.title ?? `Course ${randomUUID().slice(0, 8)}`;
  const priceCents = overrides.priceCents ?? 7900;
  const [row] = await knex('courses')
    .insert({
      instructor_id: instructorId,
      title,
      description: overrides.description ?? 'A course made by a test fixture.',
      category: overrides.category ?? 'web_development',
      difficulty_level: overrides.difficulty ?? 'beginner',
      pricing_model: 'one_time',
      price_cents: priceCents,
      status,
      published_at: status === 'published' ? knex.fn.now() : null,
    })
    .returning<{ id: string }[]>('id');
  return { id: row.id, instructorId, priceCents, title };
}

/** Lessons whose video is already processed (`ready`), `previews` of them free previews. */
export async function createReadyLessons(
  knex: Knex,
  courseId: string,
  count: number,
  opts: { durationSeconds?: number; previews?: number } = {},
) {
  const rows = Array.from({ length: count }, (_, i) => ({
    course_id: courseId,
    title: `Lesson ${i + 1}`,
    lesson_order: i + 1,
    is_preview: i < (opts.previews ?? 0),
    video_status: 'ready',
    video_key: `courses/${courseId}/videos/${randomUUID()}.mp4`,
    video_duration_seconds: opts.durationSeconds ?? 300,
  }));
  return knex('course_lessons').insert(rows).returning<{ id: string; lesson_order: number }[]>(['id', 'lesson_order']);
}

/** A completed purchase (transaction, held revenue split, enrollment) as checkout fulfilment records it. */
export async function createSale(
  knex: Knex,
  sale: {
    buyerId: string;
    courseId: string;
    grossCents: number;
    discountCents?: number;
    couponId?: string | null;
    completedAt?: Date;
    holdMs?: number;
  },
): Promise<RecordedSale> {
  return recordCompletedSale(knex, {
    stripeCheckoutSessionId: `cs_test_${randomUUID()}`,
    stripePaymentIntentId: `pi_test_${randomUUID()}`,
    buyerId: sale.buyerId,
    courseId: sale.courseId,
    couponId: sale.couponId ?? null,
    grossCents: sale.grossCents,
    discountCents: sale.discountCents ?? 0,
    taxCents: 0,
    paymentMethod: 'card',
    completedAt: sale.completedAt ?? new Date(),
    holdMs: sale.holdMs ?? 7 * 24 * 3600 * 1000,
  });
}
