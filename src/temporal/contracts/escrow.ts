/** Contract of `escrowWorkflow` (workflows/escrow.ts): one per sale, holding the instructor's share. */
import { defineQuery, defineSignal } from '@temporalio/workflow';
import type { SaleStatus } from '../../domain/sale-status';

export const ESCROW_WORKFLOW = 'escrowWorkflow';

/** One escrow timer per sale. */
export const escrowWorkflowId = (transactionId: string) => `escrow-${transactionId}`;

/**
 * Input of `escrowWorkflow` (workflows/escrow.ts), started by checkout fulfilment for every completed sale.
 * The hold (ESCROW_HOLD) was applied when the sale was recorded: the workflow waits until `releaseAt`.
 */
export interface EscrowInput {
  transactionId: string;
  revenueRecordId: string;
  instructorId: string;
  courseId: string;
  /** ISO timestamp at which the instructor share becomes payable. */
  releaseAt: string;
}

/** Where a sale's share is, as the escrow workflow last saw it in the database (its `escrow.state` query). */
export interface EscrowState {
  transactionId: string;
  status: SaleStatus;
  releaseAt: string;
  /** The hold has run out (the share is payable unless something stopped it). */
  holdEnded: boolean;
  dispute: { id: string; state: 'open' | 'won' | 'lost' } | null;
  /** Set once the sale was refunded (by request, at Stripe, or by a lost dispute). */
  refunded: SaleRefunded | null;
}

/** Stripe events carry their event id: the workflow ignores one it has already seen. */
export interface DisputeOpened {
  eventId: string;
  disputeId: string;
}
export interface DisputeClosed {
  eventId: string;
  disputeId: string;
  outcome: 'won' | 'lost';
}
/** Sent by the refund workflow once the refund is final. */
export interface SaleRefunded {
  share: 'cancelled' | 'clawed_back';
}

export const escrowSignals = {
  disputeOpened: defineSignal<[DisputeOpened]>('escrow.disputeOpened'),
  disputeClosed: defineSignal<[DisputeClosed]>('escrow.disputeClosed'),
  saleRefunded: defineSignal<[SaleRefunded]>('escrow.saleRefunded'),
  /** A refund failed after it had set the share aside; the escrow looks at the share again. */
  refundReverted: defineSignal<[]>('escrow.refundReverted'),
};
export const escrowStateQuery = defineQuery<EscrowState>('escrow.state');
