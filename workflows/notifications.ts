import { proxyActivities } from '@temporalio/workflow';
import type { createNotificationActivities } from '../activities/notifications';

const { deliverPendingNotifications } = proxyActivities<ReturnType<typeof createNotificationActivities>>({
  startToCloseTimeout: '2 minutes',
  retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '1 minute', maximumAttempts: 10 },
});

/** Delivers what is due in the notifications outbox (failed deliveries wait out their backoff). Run by a Schedule, or on demand by an operator. */
export async function flushNotificationsWorkflow(batchSize = 100): Promise<{ delivered: number; failed: number }> {
  return deliverPendingNotifications(batchSize);
}
