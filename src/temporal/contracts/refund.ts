/** Contract of `refundWorkflow` (workflows/refund.ts): the refund saga of one sale. */
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import { REFUND_REFUSAL_CODES } from '../../domain/refunds';
import type { UserRole } from '../../domain/statuses';
import type { SaleRefunded } from './escrow';

export const REFUND_WORKFLOW = 'refundWorkflow';

/** One refund per sale: concurrent requests, the dashboard's refund and a lost dispute all land here. */
export const refundWorkflowId = (transactionId: string) => `refund-${transactionId}`;

/** Where a refund came from: the API (we call Stripe), Stripe itself (dashboard refund), or a lost dispute. */
export type RefundSource = 'api' | 'stripe' | 'dispute_lost';

/**
 * Input of `refundWorkflow`: the sale as it was when the workflow started (read by the API or the webhook
 * handler). The update validator decides from these facts plus what the workflow itself has seen.
 */
export interface RefundInput {
  transactionId: string;
  buyerId: string;
  instructorId: string;
  courseId: string;
  status: 'pending' | 'completed' | 'failed' | 'refunded';
  paidAt: string | null;
  shareStatus: string | null;
  stripePaymentIntentId: string | null;
  stripeChargeId: string | null;
}

/** `POST /api/transactions/:id/refund`, as an Update: the caller waits for the refund's outcome. */
export interface RefundRequest {
  actorId: string;
  actorRole: UserRole;
  /** When the API received the request (the 30-day window is checked against it). */
  requestedAt: string;
  ipAddress: string | null;
  reason: string | null;
}

export interface RefundResult {
  transactionId: string;
  status: 'refunded';
  refundedAt: string;
  stripeRefundId: string | null;
  /** What happened to the instructor's share: cancelled before payout, or clawed back from the next one. */
  instructorShare: SaleRefunded['share'];
  source: RefundSource;
}

/** Failure types (ApplicationFailure.type) the refund update can end with: the rule's refusals and Stripe's. */
export const REFUND_FAILURE_CODES = [
  ...REFUND_REFUSAL_CODES,
  'payment_provider_refused',
  'payment_provider_unavailable',
] as const;
export type RefundFailureCode = (typeof REFUND_FAILURE_CODES)[number];

export type RefundOutcome =
  | { status: 'refunded'; result: RefundResult }
  | { status: 'refused'; code: RefundFailureCode; message: string }
  /** Started by a request the validator refused, and nothing else came. */
  | { status: 'idle' };

export interface StripeRefunded {
  eventId: string;
  refundId: string | null;
}
export interface DisputeLost {
  eventId: string;
  disputeId: string;
}

export const refundUpdates = {
  request: defineUpdate<RefundResult, [RefundRequest]>('refund.request'),
};
export const refundSignals = {
  /** `charge.refunded`: the money was returned at Stripe (dashboard, or the echo of our own refund). */
  stripeRefunded: defineSignal<[StripeRefunded]>('refund.stripeRefunded'),
  /** `charge.dispute.closed` lost: Stripe took the money back; the sale is undone like a refund. */
  disputeLost: defineSignal<[DisputeLost]>('refund.disputeLost'),
};
export const refundStateQuery = defineQuery<{ source: RefundSource | null; outcome: RefundOutcome | null }>(
  'refund.state',
);
