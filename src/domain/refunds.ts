/**
 * Who may refund a purchase, and when (DESIGN §3, spec MKT-014). One rule, checked by the API before it
 * starts anything and by the refund workflow's update validator, which decides for concurrent requests.
 * Workflow-safe: no clock (the caller passes the instant), no I/O.
 */
import type { UserRole } from './statuses';
import { isWithinRefundWindow } from './money';

export const REFUND_REFUSAL_CODES = [
  'refund_forbidden',
  'already_refunded',
  'refund_in_progress',
  'not_refundable',
  'sale_disputed',
  'refund_window_expired',
] as const;
export type RefundRefusalCode = (typeof REFUND_REFUSAL_CODES)[number];

export interface RefundRefusal {
  code: RefundRefusalCode;
  message: string;
}

/** The facts of a sale that the rule reads. */
export interface RefundableSale {
  buyerId: string;
  instructorId: string;
  status: 'pending' | 'completed' | 'failed' | 'refunded';
  /** When the payment completed (ISO); null while pending. */
  paidAt: string | null;
  /** The instructor share's revenue-record status; `frozen` while a dispute is open. */
  shareStatus: string | null;
}

export interface RefundActor {
  id: string;
  role: UserRole;
}

export const refundRefusals = {
  forbidden: { code: 'refund_forbidden', message: 'Access denied' },
  alreadyRefunded: { code: 'already_refunded', message: 'Transaction already refunded' },
  inProgress: { code: 'refund_in_progress', message: 'A refund of this transaction is already in progress' },
  notRefundable: { code: 'not_refundable', message: 'Only completed purchases can be refunded' },
  disputed: {
    code: 'sale_disputed',
    message: 'The payment is disputed; it cannot be refunded until the dispute is closed',
  },
  windowExpired: { code: 'refund_window_expired', message: 'Refund window expired (30 days)' },
} as const satisfies Record<string, RefundRefusal>;

/** The buyer, the course's instructor and admins may ask for a refund. */
export function mayRequestRefund(sale: Pick<RefundableSale, 'buyerId' | 'instructorId'>, actor: RefundActor): boolean {
  return actor.role === 'admin' || actor.id === sale.buyerId || actor.id === sale.instructorId;
}

/**
 * Why `actor` may not refund `sale` at `at`, or null when the refund is allowed. Checked in this order:
 * who (a stranger learns nothing more), then the sale's state, then the 30-day window.
 */
export function refundRefusal(sale: RefundableSale, actor: RefundActor, at: Date): RefundRefusal | null {
  if (!mayRequestRefund(sale, actor)) return refundRefusals.forbidden;
  if (sale.status === 'refunded') return refundRefusals.alreadyRefunded;
  if (sale.status !== 'completed' || sale.paidAt === null) return refundRefusals.notRefundable;
  if (sale.shareStatus === 'frozen') return refundRefusals.disputed;
  if (!isWithinRefundWindow(new Date(sale.paidAt), at)) return refundRefusals.windowExpired;
  return null;
}
