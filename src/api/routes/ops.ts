import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import type { flushNotificationsWorkflow } from '../../../workflows/notifications';
import { FLUSH_NOTIFICATIONS_WORKFLOW, notificationIds } from '../../temporal/contracts/notifications';
import { taskQueue } from '../../temporal/shared';
import type { RouteModule } from '../http/context';
import { defineRoute } from '../http/define-route';

/** Operator actions that run a workflow on demand (they also run on their Schedules). */
export const opsRoutes: RouteModule = (router, registry, deps) => {
  defineRoute(
    router,
    registry,
    {
      method: 'post',
      path: '/api/admin/notifications/flush',
      summary: 'Deliver what is waiting in the notifications outbox now',
      description: 'Runs the notifications relay workflow (the same one its Schedule starts) and waits for its result.',
      tags: ['ops'],
      auth: ['admin'],
      body: z.object({ batchSize: z.number().int().min(1).max(1000).default(100) }).default({ batchSize: 100 }),
      responses: {
        200: z.object({
          workflowId: z.string(),
          delivered: z.number().int(),
          failed: z
            .number()
            .int()
            .openapi({ description: 'Deliveries that failed; each is retried later with backoff' }),
        }),
      },
    },
    async (ctx, { body }) => {
      const id = notificationIds.flush(randomUUID());
      const { delivered, failed } = await deps.temporal.workflow.execute<typeof flushNotificationsWorkflow>(
        FLUSH_NOTIFICATIONS_WORKFLOW,
        {
          workflowId: id,
          taskQueue: taskQueue('core', deps.config.TASK_QUEUE_PREFIX),
          args: [body.batchSize],
          workflowExecutionTimeout: '5 minutes',
        },
      );
      return { workflowId: id, delivered, failed };
    },
  );
};
