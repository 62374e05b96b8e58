import type { Deps } from '../src/deps';
import type { Pool } from '../src/temporal/shared';
import { createEscrowActivities } from './escrow';
import { createNotificationActivities } from './notifications';
import { createRefundActivities } from './refunds';
import { createStripeRefundActivities } from './stripe-refunds';
import { createPayoutActivities, createPayoutPaymentActivities } from './payouts';

/**
 * Activities grouped by the pool (task queue) that runs them. Workflows import these factories as types
 * only and proxy each group with its own timeouts, retry policy and task queue.
 */
export function createActivitiesByPool(deps: Deps): Record<Pool, object> {
  return {
    core: {
      ...createNotificationActivities(deps),
      ...createEscrowActivities(deps),
      ...createRefundActivities(deps),
      ...createPayoutActivities(deps),
    },
    payments: { ...createStripeRefundActivities(deps), ...createPayoutPaymentActivities(deps) },
    media: {},
  };
}
