/** Contract of `flushNotificationsWorkflow` (workflows/notifications.ts): delivers what is due in the outbox. */

export const FLUSH_NOTIFICATIONS_WORKFLOW = 'flushNotificationsWorkflow';

/** Schedule and workflow ids of the outbox relay; the schedule's carries the task-queue prefix like every Schedule's. */
export const notificationIds = {
  schedule: (prefix: string) => `${prefix}notifications-relay`,
  /** A flush an operator asked for (`POST /api/ops/notifications/flush`): one per request. */
  flush: (requestId: string) => `notifications-flush-${requestId}`,
};

/** What one flush did. */
export interface FlushResult {
  delivered: number;
  failed: number;
}
