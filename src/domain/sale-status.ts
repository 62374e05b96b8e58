/**
 * Where the instructor's share of one sale is (DESIGN §3, §9): every cent of it is in exactly one of these.
 * Used by the escrow workflow (its `EduSaleStatus` search attribute), the activities that move a share, and the
 * ledger check. Workflow-safe: types only, no I/O.
 */
import type { RevenueRecordStatus } from './statuses';

export const SALE_STATUSES = ['held', 'frozen', 'payable', 'paid', 'cancelled', 'clawed_back'] as const;
export type SaleStatus = (typeof SALE_STATUSES)[number];

/**
 * A share is where its revenue record says, except that a refunded share which had already gone into a payout
 * is `clawed_back`: its record stays `paid` (the transfer happened) and a revenue adjustment takes it back.
 */
export function saleStatusOf(share: { status: RevenueRecordStatus; hasAdjustment: boolean }): SaleStatus {
  return share.hasAdjustment ? 'clawed_back' : share.status;
}
