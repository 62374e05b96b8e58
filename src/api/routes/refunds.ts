import { ServiceError, WorkflowUpdateFailedError, WorkflowUpdateRPCTimeoutOrCancelledError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { z } from 'zod';
import { refundRefusal } from '../../domain/refunds';
import { findSale, refundInputOf } from '../../sales/facts';
import { requestRefund } from '../../sales/workflow-client';
import { REFUND_FAILURE_CODES, type RefundFailureCode, type RefundRequest } from '../../temporal/contracts/refund';
import { HttpProblem, notFound, unavailable } from '../../problems/http-problem';
import type { RouteModule } from '../http/context';
import { defineRoute } from '../http/define-route';
import { IdParams } from '../http/schemas';

const RefundBody = z
  .object({
    reason: z
      .string()
      .trim()
      .max(500)
      .optional()
      .openapi({ description: 'Why the refund is asked for (kept in the audit log)' }),
  })
  .optional()
  .openapi('RefundRequest');

export const RefundSchema = z
  .object({
    transactionId: z.uuid(),
    status: z.literal('refunded'),
    refundedAt: z.string().openapi({ format: 'date-time' }),
    stripeRefundId: z.string().nullable().openapi({
      description: 'null when the money went back through Stripe directly (dashboard refund, lost dispute)',
    }),
    instructorShare: z.enum(['cancelled', 'clawed_back']).openapi({
      description:
        "cancelled: the instructor's share was not paid out yet; clawed_back: it was, and the next payout deducts it",
    }),
    source: z.enum(['api', 'stripe', 'dispute_lost']),
  })
  .openapi('Refund');

/** HTTP status of each way a refund can be refused or fail (spec MKT-014: 400 window, 403 others, 409 refunded). */
const STATUS: Record<RefundFailureCode, number> = {
  refund_forbidden: 403,
  refund_window_expired: 400,
  already_refunded: 409,
  refund_in_progress: 409,
  not_refundable: 409,
  sale_disputed: 409,
  payment_provider_refused: 502,
  payment_provider_unavailable: 503,
};

const RETRY_AFTER_SECONDS = 30;

function refundProblem(code: RefundFailureCode, message: string): HttpProblem {
  return new HttpProblem(STATUS[code], message, {
    type: `urn:edustream:problem:${code.replace(/_/g, '-')}`,
    headers: STATUS[code] === 503 ? { 'Retry-After': String(RETRY_AFTER_SECONDS) } : {},
  });
}

function isRefundFailureCode(type: string | undefined | null): type is RefundFailureCode {
  return (REFUND_FAILURE_CODES as readonly string[]).includes(type ?? '');
}

export const refundRoutes: RouteModule = (router, registry, deps) => {
  defineRoute(
    router,
    registry,
    {
      method: 'post',
      path: '/api/transactions/:id/refund',
      rateLimit: 'refund',
      summary: 'Refund a purchase',
      description:
        "Refunds the whole payment through Stripe, revokes the buyer's access and takes the instructor's share back " +
        '(cancelled before payout, or deducted from the next payout). Allowed to the buyer, the course instructor and ' +
        'admins, within 30 days of the payment. Concurrent requests make one refund; the others get 409.',
      tags: ['transactions'],
      auth: 'user',
      params: IdParams,
      body: RefundBody,
      idempotent: 'transaction.refund',
      responses: {
        200: RefundSchema,
        400: { description: 'Refund window expired (30 days)' },
        403: { description: 'Access denied' },
        404: { description: 'Transaction not found' },
        409: { description: 'Already refunded, a refund in progress, under dispute, or not a completed purchase' },
        502: { description: 'Stripe refused the refund; nothing was changed' },
        503: { description: 'Payment processing unavailable - retry' },
      },
    },
    async (ctx, { params, body, user }) => {
      const sale = await findSale(deps.knex, { transactionId: params.id });
      if (!sale) throw notFound('Transaction not found');
      const request: RefundRequest = {
        actorId: user.id,
        actorRole: user.role,
        requestedAt: new Date().toISOString(),
        ipAddress: ctx.ip || null,
        reason: body?.reason ?? null,
      };
      // The rule is applied here first so that a refused request starts nothing; the workflow's validator
      // applies it again, against what the workflow knows, and so decides between concurrent requests.
      const refusal = refundRefusal(
        refundInputOf(sale),
        { id: user.id, role: user.role },
        new Date(request.requestedAt),
      );
      if (refusal) throw refundProblem(refusal.code, refusal.message);
      try {
        return await requestRefund(deps, sale, request);
      } catch (err) {
        const cause = err instanceof WorkflowUpdateFailedError ? err.cause : undefined;
        if (cause instanceof ApplicationFailure && isRefundFailureCode(cause.type))
          throw refundProblem(cause.type, cause.message);
        // Temporal unreachable, or the wait for the outcome timed out: the refund (if started) goes on.
        if (err instanceof ServiceError || err instanceof WorkflowUpdateRPCTimeoutOrCancelledError) {
          ctx.state.log.warn({ err }, 'refund request could not be completed');
          throw unavailable('Payment processing unavailable - retry', RETRY_AFTER_SECONDS);
        }
        throw err;
      }
    },
  );
};
