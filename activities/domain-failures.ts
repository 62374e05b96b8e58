import { ApplicationFailure } from '@temporalio/common';
import { PayoutStateError } from '../src/payouts/payout-records';
import { ShareNotFoundError, ShareTransitionError } from '../src/sales/shares';

/**
 * The domain's refusals (a share or payout in a state the step cannot follow, a sale that does not exist) will
 * not change by retrying: they become non-retryable failures, visible in the Web UI. Anything else is retried.
 */
export async function nonRetryableOnDomainError<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (err) {
    if (err instanceof ShareNotFoundError) throw ApplicationFailure.nonRetryable(err.message, 'sale_not_found');
    if (err instanceof ShareTransitionError || err instanceof PayoutStateError)
      throw ApplicationFailure.nonRetryable(err.message, err.name);
    throw err;
  }
}
