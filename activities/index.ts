import type { Deps } from '../src/deps';
import type { Pool } from '../src/temporal/shared';
import { createCheckoutActivities } from './checkout';
import { createNotificationActivities } from './notifications';
import { createStripeCheckoutActivities } from './stripe-checkout';

/**
 * Activities grouped by the pool (task queue) that runs them. Workflows import these factories as types
 * only and proxy each group with its own timeouts, retry policy and task queue.
 */
export function createActivitiesByPool(deps: Deps): Record<Pool, object> {
  return {
    core: { ...createNotificationActivities(deps), ...createCheckoutActivities(deps) },
    payments: { ...createStripeCheckoutActivities(deps) },
    media: {},
  };
}
