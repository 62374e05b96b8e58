import { ApplicationFailure } from '@temporalio/activity';
import Stripe from 'stripe';
import type { Deps } from '../src/deps';
import type { PayPeriod } from '../src/domain/time';
import { completePayout, failPayout, findDueInstructors, preparePayout } from '../src/payouts/payout-records';
import { TRANSFER_REJECTED } from '../src/temporal/contracts/payouts';
import { nonRetryableOnDomainError } from './domain-failures';

/** Database steps of the payout run (core pool). */
export function createPayoutActivities(deps: Deps) {
  return {
    findDueInstructors(input: { after: string | null; limit: number }) {
      return findDueInstructors(deps.knex, input);
    },
    preparePayout(input: { instructorId: string; period: PayPeriod }) {
      return nonRetryableOnDomainError(() => preparePayout(deps.knex, input));
    },
    completePayout(input: { payoutId: string; transferId: string }) {
      return nonRetryableOnDomainError(() => completePayout(deps.knex, input));
    },
    failPayout(input: { payoutId: string; reason: string }) {
      return nonRetryableOnDomainError(() => failPayout(deps.knex, input));
    },
  };
}

export interface PayoutTransferInput {
  payoutId: string;
  instructorId: string;
  period: PayPeriod;
  destination: string;
  amountCents: number;
  /** The payout existed before this attempt (a crash, a rerun): look for its transfer before sending one. */
  resumed: boolean;
}

/**
 * Stripe's answer for a transfer that was not made and will not be made by asking again (4xx: bad request,
 * insufficient platform balance, destination without the transfers capability, bad key) becomes a
 * non-retryable TRANSFER_REJECTED failure: the payout can safely fail and its shares be released. Anything
 * else (network, 5xx, 429, a concurrent request with the same key) leaves the outcome unknown and is retried.
 */
function transferFailure(err: unknown): unknown {
  if (!(err instanceof Stripe.errors.StripeError) || err instanceof Stripe.errors.StripeIdempotencyError) return err;
  const status = err.statusCode ?? 0;
  if (status >= 400 && status < 500 && status !== 409 && status !== 429) {
    return ApplicationFailure.nonRetryable(`Stripe refused the transfer: ${err.message}`, TRANSFER_REJECTED, {
      status,
      code: err.code,
      requestId: err.requestId,
    });
  }
  return err;
}

/** The Stripe step of a payout (payments pool: its task queue is throttled to STRIPE_REQUESTS_PER_SECOND). */
export function createPayoutPaymentActivities(deps: Deps) {
  return {
    /**
     * Transfers the payout to the instructor's Connect account. The idempotency key is the payout id, so a
     * retried attempt gets the same transfer back from Stripe; Stripe forgets keys after 24 hours, so a payout
     * resumed later is first looked up by its transfer group.
     */
    async sendPayoutTransfer(input: PayoutTransferInput): Promise<{ transferId: string }> {
      const transferGroup = `payout-${input.payoutId}`;
      try {
        if (input.resumed) {
          const sent = await deps.stripe.transfers.list({ transfer_group: transferGroup, limit: 10 });
          const transfer = sent.data.find(
            (t) => t.transfer_group === transferGroup && t.metadata.payout_id === input.payoutId,
          );
          if (transfer) return { transferId: transfer.id };
        }
        const transfer = await deps.stripe.transfers.create(
          {
            amount: input.amountCents,
            currency: 'usd',
            destination: input.destination,
            transfer_group: transferGroup,
            description: `EduStream instructor payout ${input.period.slice(0, 7)}`,
            metadata: { payout_id: input.payoutId, instructor_id: input.instructorId, period: input.period },
          },
          { idempotencyKey: `payout-transfer-${input.payoutId}` },
        );
        return { transferId: transfer.id };
      } catch (err) {
        throw transferFailure(err);
      }
    },
  };
}
