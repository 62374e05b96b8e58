import { z } from 'zod';
import { formatUsd, PAYOUT_MINIMUM_CENTS } from '../../domain/money';
import { nextPayoutRunAt } from '../../domain/time';
import { earningsByCourse, earningsSummary, payoutHistory, pendingShares } from '../../payouts/earnings';
import type { RouteModule } from '../http/context';
import { defineRoute } from '../http/define-route';
import { NullableTimestamp, Timestamp } from '../http/schemas';
import { INSTRUCTOR_ONLY } from './instructor-connect';

/** An amount of money: integer cents for programs, the USD text for people. */
export const MoneySchema = z
  .object({
    cents: z.number().int(),
    formatted: z.string().openapi({ example: '$850.00' }),
  })
  .openapi('Money');

export function money(cents: number): z.input<typeof MoneySchema> {
  return { cents, formatted: formatUsd(cents) };
}

const PageQuery = z.object({
  page: z.coerce.number().int().min(1).default(1),
  limit: z.coerce.number().int().min(1).max(100).default(20),
});

const Pagination = z
  .object({ page: z.number().int(), limit: z.number().int(), total: z.number().int() })
  .openapi('Pagination');

const EarningsSummary = z
  .object({
    currency: z.literal('usd'),
    totalRevenue: MoneySchema.openapi({ description: 'Your share of every sale, less refunds' }),
    pendingPayout: MoneySchema.openapi({
      description: 'Earned and not paid out yet: inEscrow + disputed + available + inTransit',
    }),
    lifetimePayouts: MoneySchema.openapi({ description: 'Transferred to your Stripe account' }),
    breakdown: z.object({
      inEscrow: MoneySchema.openapi({ description: 'Held after purchase until the refund window allows release' }),
      disputed: MoneySchema,
      available: MoneySchema.openapi({
        description: 'Payable balance: released shares not in a payout, less refunds after payout',
      }),
      inTransit: MoneySchema.openapi({ description: 'In a payout being transferred' }),
    }),
    payoutMinimum: MoneySchema,
    nextPayoutRunAt: Timestamp,
    dueNextRun: z.boolean().openapi({ description: 'The available balance reaches the payout minimum' }),
    counts: z.object({ sales: z.number().int(), refunds: z.number().int(), payouts: z.number().int() }),
  })
  .openapi('EarningsSummary');

const CourseEarnings = z
  .object({
    courseId: z.uuid(),
    title: z.string(),
    status: z.string(),
    revenue: MoneySchema,
    sales: z.number().int(),
    refunds: z.number().int(),
    enrollmentCount: z.number().int(),
    ratingAverage: z.number(),
    ratingCount: z.number().int(),
  })
  .openapi('CourseEarnings');

const PayoutItem = z
  .object({
    id: z.uuid(),
    period: z.string().openapi({ example: '2026-10-01', description: 'First day of the month paid' }),
    status: z.enum(['pending', 'processing', 'completed', 'failed']),
    amount: MoneySchema,
    gross: MoneySchema.openapi({ description: 'Shares of sales in this payout' }),
    adjustments: MoneySchema.openapi({ description: 'Refunds after earlier payouts, deducted here' }),
    stripeTransferId: z.string().nullable(),
    initiatedAt: NullableTimestamp,
    completedAt: NullableTimestamp,
    failureReason: z.string().nullable(),
  })
  .openapi('Payout');

const PendingItem = z
  .object({
    revenueRecordId: z.uuid(),
    transactionId: z.uuid(),
    course: z.object({ id: z.uuid(), title: z.string() }),
    amount: MoneySchema,
    status: z.enum(['held', 'frozen', 'payable']),
    purchasedAt: Timestamp,
    releaseAt: Timestamp.openapi({ description: 'When the escrow hold ends' }),
    releasedAt: NullableTimestamp,
    payoutId: z.uuid().nullable().openapi({ description: 'The payout transferring it right now, if any' }),
  })
  .openapi('PendingEarning');

const PendingEarnings = z
  .object({
    totals: z.object({
      inEscrow: MoneySchema,
      disputed: MoneySchema,
      payable: MoneySchema,
      outstandingAdjustments: MoneySchema.openapi({
        description: 'Refunds after payout, deducted from the next payout',
      }),
      available: MoneySchema,
      inTransit: MoneySchema,
    }),
    payoutMinimum: MoneySchema,
    nextPayoutRunAt: Timestamp,
    dueNextRun: z.boolean(),
    items: z.array(PendingItem),
    pagination: Pagination,
  })
  .openapi('PendingEarnings');

const offset = (q: { page: number; limit: number }) => ({ limit: q.limit, offset: (q.page - 1) * q.limit });

/** Spec MKT-019: an instructor's own earnings; other roles get 403 'Instructor-only endpoint'. */
export const instructorEarningsRoutes: RouteModule = (router, registry, deps) => {
  const common = { tags: ['instructor'], auth: ['instructor'] as const, forbiddenMessage: INSTRUCTOR_ONLY };

  defineRoute(
    router,
    registry,
    {
      ...common,
      method: 'get',
      path: '/api/instructor/earnings',
      summary: 'Earnings summary',
      responses: { 200: EarningsSummary },
    },
    async (_ctx, { user }) => {
      const s = await earningsSummary(deps.knex, user.id);
      return {
        currency: 'usd' as const,
        totalRevenue: money(s.totalRevenueCents),
        pendingPayout: money(s.pendingPayoutCents),
        lifetimePayouts: money(s.lifetimePayoutsCents),
        breakdown: {
          inEscrow: money(s.inEscrowCents),
          disputed: money(s.disputedCents),
          available: money(s.availableCents),
          inTransit: money(s.inTransitCents),
        },
        payoutMinimum: money(PAYOUT_MINIMUM_CENTS),
        nextPayoutRunAt: nextPayoutRunAt(new Date()),
        dueNextRun: s.dueNextRun,
        counts: { sales: s.sales, refunds: s.refunds, payouts: s.payouts },
      };
    },
  );

  defineRoute(
    router,
    registry,
    {
      ...common,
      method: 'get',
      path: '/api/instructor/earnings/courses',
      summary: 'Earnings per course',
      responses: { 200: z.object({ courses: z.array(CourseEarnings), total: MoneySchema }) },
    },
    async (_ctx, { user }) => {
      const courses = await earningsByCourse(deps.knex, user.id);
      return {
        courses: courses.map(({ revenueCents, ...c }) => ({ ...c, revenue: money(revenueCents) })),
        total: money(courses.reduce((sum, c) => sum + c.revenueCents, 0)),
      };
    },
  );

  defineRoute(
    router,
    registry,
    {
      ...common,
      method: 'get',
      path: '/api/instructor/payouts',
      summary: 'Payout history, newest period first',
      query: PageQuery,
      responses: { 200: z.object({ payouts: z.array(PayoutItem), pagination: Pagination }) },
    },
    async (_ctx, { user, query }) => {
      const { items, total } = await payoutHistory(deps.knex, user.id, offset(query));
      return {
        payouts: items.map(({ totalCents, grossCents, adjustmentsCents, ...p }) => ({
          ...p,
          amount: money(totalCents),
          gross: money(grossCents),
          adjustments: money(adjustmentsCents),
        })),
        pagination: { page: query.page, limit: query.limit, total },
      };
    },
  );

  defineRoute(
    router,
    registry,
    {
      ...common,
      method: 'get',
      path: '/api/instructor/earnings/pending',
      summary: 'Earnings not paid out yet, with their escrow release dates',
      query: PageQuery,
      responses: { 200: PendingEarnings },
    },
    async (_ctx, { user, query }) => {
      const [s, { items, total }] = await Promise.all([
        earningsSummary(deps.knex, user.id),
        pendingShares(deps.knex, user.id, offset(query)),
      ]);
      return {
        totals: {
          inEscrow: money(s.inEscrowCents),
          disputed: money(s.disputedCents),
          payable: money(s.payableSharesCents),
          outstandingAdjustments: money(s.outstandingAdjustmentsCents),
          available: money(s.availableCents),
          inTransit: money(s.inTransitCents),
        },
        payoutMinimum: money(PAYOUT_MINIMUM_CENTS),
        nextPayoutRunAt: nextPayoutRunAt(new Date()),
        dueNextRun: s.dueNextRun,
        items: items.map(({ courseId, courseTitle, amountCents, ...i }) => ({
          ...i,
          course: { id: courseId, title: courseTitle },
          amount: money(amountCents),
        })),
        pagination: { page: query.page, limit: query.limit, total },
      };
    },
  );
};
