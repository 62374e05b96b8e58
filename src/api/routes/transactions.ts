import type { Knex } from 'knex';
import { z } from 'zod';
import { TRANSACTION_STATUSES } from '../../models/Transaction';
import type { AuthUser } from '../../accounts/identity';
import { forbidden, notFound } from '../../problems/http-problem';
import type { RouteModule } from '../http/context';
import { defineRoute } from '../http/define-route';
import { IdParams, NullableTimestamp, Timestamp } from '../http/schemas';

const Cents = z.number().int();

const TransactionSchema = z
  .object({
    id: z.uuid(),
    status: z.enum(TRANSACTION_STATUSES),
    failureReason: z.string().nullable(),
    buyerId: z.uuid(),
    course: z.object({ id: z.uuid(), title: z.string(), instructorId: z.uuid() }),
    couponCode: z.string().nullable(),
    currency: z.string(),
    grossCents: Cents,
    discountCents: Cents,
    netCents: Cents.openapi({ description: 'gross − discount: what the buyer paid before tax' }),
    taxCents: Cents,
    totalCents: Cents.openapi({ description: 'net + tax: what the buyer was charged' }),
    paymentMethod: z.string().nullable(),
    stripeCheckoutSessionId: z.string().nullable(),
    stripePaymentIntentId: z.string().nullable(),
    createdAt: Timestamp,
    completedAt: NullableTimestamp,
    refundedAt: NullableTimestamp,
    /** Only for the course's instructor and admins. */
    revenue: z
      .object({
        instructorCents: Cents,
        platformCents: Cents,
        stripeFeeCents: Cents.nullable(),
        status: z.string(),
        releaseAt: Timestamp,
      })
      .nullable()
      .optional(),
  })
  .openapi('Transaction');

const ListQuery = z.object({
  page: z.coerce.number().int().min(1).default(1),
  limit: z.coerce.number().int().min(1).max(100).default(20),
  status: z.enum(TRANSACTION_STATUSES).optional(),
});

interface TransactionRow {
  id: string;
  status: (typeof TRANSACTION_STATUSES)[number];
  failure_reason: string | null;
  buyer_id: string;
  course_id: string;
  course_title: string;
  instructor_id: string;
  coupon_code: string | null;
  currency: string;
  amount_gross_cents: number;
  amount_discount_cents: number;
  amount_net_cents: number;
  tax_cents: number;
  stripe_fee_cents: number | null;
  payment_method: string | null;
  stripe_checkout_session_id: string | null;
  stripe_payment_intent_id: string | null;
  created_at: Date;
  completed_at: Date | null;
  refunded_at: Date | null;
  instructor_amount_cents: number | null;
  platform_amount_cents: number | null;
  revenue_status: string | null;
  release_at: Date | null;
}

function transactionsQuery(knex: Knex): Knex.QueryBuilder {
  return knex('transactions as t')
    .join('courses as c', 'c.id', 't.course_id')
    .leftJoin('coupons as cp', 'cp.id', 't.coupon_id')
    .leftJoin('revenue_records as r', 'r.transaction_id', 't.id')
    .select(
      't.*',
      'c.title as course_title',
      'c.instructor_id',
      'cp.code as coupon_code',
      'r.instructor_amount_cents',
      'r.platform_amount_cents',
      'r.status as revenue_status',
      'r.release_at',
    );
}

function toResponse(row: TransactionRow, viewer: AuthUser): z.input<typeof TransactionSchema> {
  // The split and the fee are the instructor's and the platform's business, not the buyer's.
  const seesRevenue = viewer.role === 'admin' || viewer.id === row.instructor_id;
  return {
    id: row.id,
    status: row.status,
    failureReason: row.failure_reason,
    buyerId: row.buyer_id,
    course: { id: row.course_id, title: row.course_title, instructorId: row.instructor_id },
    couponCode: row.coupon_code,
    currency: row.currency,
    grossCents: row.amount_gross_cents,
    discountCents: row.amount_discount_cents,
    netCents: row.amount_net_cents,
    taxCents: row.tax_cents,
    totalCents: row.amount_net_cents + row.tax_cents,
    paymentMethod: row.payment_method,
    stripeCheckoutSessionId: row.stripe_checkout_session_id,
    stripePaymentIntentId: row.stripe_payment_intent_id,
    createdAt: row.created_at,
    completedAt: row.completed_at,
    refundedAt: row.refunded_at,
    ...(seesRevenue && {
      revenue:
        row.instructor_amount_cents === null || row.platform_amount_cents === null || row.release_at === null
          ? null
          : {
              instructorCents: row.instructor_amount_cents,
              platformCents: row.platform_amount_cents,
              stripeFeeCents: row.stripe_fee_cents,
              status: row.revenue_status ?? 'held',
              releaseAt: row.release_at,
            },
    }),
  };
}

export const transactionRoutes: RouteModule = (router, registry, deps) => {
  const { knex } = deps;

  defineRoute(
    router,
    registry,
    {
      method: 'get',
      path: '/api/transactions',
      summary: 'Your purchases, newest first (paginated)',
      tags: ['transactions'],
      auth: 'user',
      query: ListQuery,
      responses: {
        200: z
          .object({
            items: z.array(TransactionSchema),
            page: z.number().int(),
            limit: z.number().int(),
            total: z.number().int(),
          })
          .openapi('TransactionPage'),
      },
    },
    async (_ctx, { query, user }) => {
      const mine = (qb: Knex.QueryBuilder) => {
        qb.where('t.buyer_id', user.id);
        if (query.status) qb.where('t.status', query.status);
        return qb;
      };
      const [rows, count] = await Promise.all([
        mine(transactionsQuery(knex))
          .orderBy([
            { column: 't.created_at', order: 'desc' },
            { column: 't.id', order: 'desc' },
          ])
          .limit(query.limit)
          .offset((query.page - 1) * query.limit) as Promise<TransactionRow[]>,
        mine(knex('transactions as t')).count<{ n: number }[]>('* as n'),
      ]);
      return {
        items: rows.map((row) => toResponse(row, user)),
        page: query.page,
        limit: query.limit,
        total: count[0]?.n ?? 0,
      };
    },
  );

  defineRoute(
    router,
    registry,
    {
      method: 'get',
      path: '/api/transactions/:id',
      summary: 'One transaction (its buyer, the course’s instructor, or an admin)',
      tags: ['transactions'],
      auth: 'user',
      params: IdParams,
      responses: {
        200: TransactionSchema,
        403: { description: 'Access denied' },
        404: { description: 'Transaction not found' },
      },
    },
    async (_ctx, { params, user }) => {
      const row = (await transactionsQuery(knex).where('t.id', params.id).first()) as TransactionRow | undefined;
      if (!row) throw notFound('Transaction not found');
      if (user.role !== 'admin' && user.id !== row.buyer_id && user.id !== row.instructor_id)
        throw forbidden('Access denied');
      return toResponse(row, user);
    },
  );
};
