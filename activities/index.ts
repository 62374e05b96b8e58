import type { Deps } from '../src/deps';
import type { Pool } from '../src/temporal/shared';
import { createCheckoutActivities } from './checkout';
import { createEscrowActivities } from './escrow';
import { createHousekeepingActivities } from './housekeeping';
import { createIngestActivities } from './ingest';
import { createMediaActivities } from './media';
import { createNotificationActivities } from './notifications';
import { createPayoutActivities, createPayoutPaymentActivities } from './payouts';
import { createRefundActivities } from './refunds';
import { createStripeCheckoutActivities } from './stripe-checkout';
import { createStripeRefundActivities } from './stripe-refunds';

/**
 * Activities grouped by the pool (task queue) that runs them. Workflows import these factories as types
 * only and proxy each group with its own timeouts, retry policy and task queue.
 */
export function createActivitiesByPool(deps: Deps): Record<Pool, object> {
  return {
    core: {
      ...createNotificationActivities(deps),
      ...createCheckoutActivities(deps),
      ...createEscrowActivities(deps),
      ...createRefundActivities(deps),
      ...createIngestActivities(deps),
      ...createPayoutActivities(deps),
      ...createHousekeepingActivities(deps),
    },
    payments: {
      ...createStripeCheckoutActivities(deps),
      ...createStripeRefundActivities(deps),
      ...createPayoutPaymentActivities(deps),
    },
    media: { ...createMediaActivities(deps) },
  };
}
