import { WorkflowNotFoundError } from '@temporalio/client';
import { z } from 'zod';
import { isPayPeriod, payPeriodOf } from '../../domain/time';
import { startPayoutRun, temporalUiLink } from '../../payouts/run';
import { payoutIds, type PayoutRunProgress, payoutRunProgressQuery } from '../../temporal/contracts/payouts';
import { badRequest, notFound } from '../../problems/http-problem';
import type { RouteModule } from '../http/context';
import { defineRoute } from '../http/define-route';
import { QueryBoolean } from '../http/schemas';

const Period = z
  .string()
  .refine(isPayPeriod, "Expected the first day of a month, 'YYYY-MM-01'")
  .openapi({ example: '2026-10-01', description: 'The month to pay, named by its first day' });

const StartRunBody = z
  .object({
    period: Period,
    dryRun: z.boolean().default(false).openapi({ description: 'Count who would be paid and how much, paying nobody' }),
  })
  .openapi('StartPayoutRun');

const RunProgress = z
  .object({
    period: z.string(),
    dryRun: z.boolean(),
    paid: z.number().int(),
    paidCents: z.number().int(),
    skippedNoConnect: z.number().int(),
    notDue: z.number().int(),
    alreadyHandled: z.number().int(),
    failed: z.number().int(),
    failures: z.array(z.object({ instructorId: z.string(), reason: z.string() })),
    inFlight: z.number().int(),
    continuedAsNew: z.number().int(),
    done: z.boolean(),
  })
  .openapi('PayoutRunProgress');

const RunHandle = z
  .object({
    workflowId: z.string(),
    runId: z.string(),
    period: z.string(),
    dryRun: z.boolean(),
    temporalUiUrl: z.string(),
  })
  .openapi('PayoutRun');

const RunStatus = z
  .object({
    workflowId: z.string(),
    status: z.string().openapi({ example: 'RUNNING' }),
    progress: RunProgress.nullable(),
    temporalUiUrl: z.string(),
  })
  .openapi('PayoutRunStatus');

/** Operators start a month's payout run by hand (the Schedule does it on the 1st) and follow it. */
export const adminPayoutRoutes: RouteModule = (router, registry, deps) => {
  defineRoute(
    router,
    registry,
    {
      method: 'post',
      path: '/api/admin/payout-runs',
      summary: 'Run the payouts of a month',
      description:
        'Starts the payout run for the period, or returns the one already running for it. Running a period again pays only ' +
        'instructors not yet paid for it. Only months that have ended can be paid.',
      tags: ['admin'],
      auth: ['admin'],
      body: StartRunBody,
      responses: { 202: RunHandle },
    },
    async (ctx, { body }) => {
      const latest = payPeriodOf(new Date());
      if (body.period > latest) {
        throw badRequest(`Period ${body.period} has not ended; the latest period that can be paid is ${latest}`, {
          field: 'period',
          in: 'body',
        });
      }
      const handle = await startPayoutRun(deps.temporal, deps.config, body);
      ctx.status = 202;
      return {
        workflowId: handle.workflowId,
        runId: handle.firstExecutionRunId,
        period: body.period,
        dryRun: body.dryRun,
        temporalUiUrl: temporalUiLink(deps.config, handle.workflowId),
      };
    },
  );

  defineRoute(
    router,
    registry,
    {
      method: 'get',
      path: '/api/admin/payout-runs/:period',
      summary: "A month's payout run: status and progress",
      tags: ['admin'],
      auth: ['admin'],
      params: z.object({ period: Period }),
      query: z.object({ dryRun: QueryBoolean.default(false) }),
      responses: { 200: RunStatus, 404: { description: 'No run for this period' } },
    },
    async (ctx, { params, query }) => {
      const workflowId = payoutIds.run(deps.config.TASK_QUEUE_PREFIX, params.period, query.dryRun);
      const handle = deps.temporal.workflow.getHandle(workflowId);
      let status: string;
      try {
        status = (await handle.describe()).status.name;
      } catch (err) {
        if (err instanceof WorkflowNotFoundError) throw notFound(`No payout run for ${params.period}`);
        throw err;
      }
      let progress: PayoutRunProgress | null = null;
      if (status === 'COMPLETED') progress = (await handle.result()) as PayoutRunProgress;
      else if (status === 'RUNNING') {
        // A query needs a worker: with none polling, the status alone is the answer.
        progress = await handle.query(payoutRunProgressQuery).catch((err: unknown) => {
          ctx.state.log.warn({ err, workflowId }, 'payout run progress query failed');
          return null;
        });
      }
      return { workflowId, status, progress, temporalUiUrl: temporalUiLink(deps.config, workflowId) };
    },
  );
};
