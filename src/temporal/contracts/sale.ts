/**
 * What the checkout, escrow and refund workflows of one sale share: the sale's search attributes, so that the
 * Temporal UI finds every workflow of a sale, a course or an instructor by the same keys.
 */
import type { SearchAttributePair } from '@temporalio/common';
import type { SaleStatus } from '../../domain/sale-status';
import { searchAttributes } from '../shared';

export type { SaleStatus } from '../../domain/sale-status';

/** `EduSaleStatus`: the checkout's outcome until the sale exists (pending, completed, failed), then its share's status. */
export type SaleStatusValue = 'pending' | 'completed' | 'failed' | SaleStatus;

/** The sale's keys, plus where it stands (`status`) and, for an escrow, when the hold ends. */
export function saleSearchAttributes(
  sale: { transactionId: string; instructorId: string; courseId: string },
  extra: { status?: SaleStatusValue; releaseAt?: string } = {},
): SearchAttributePair[] {
  const pairs: SearchAttributePair[] = [
    { key: searchAttributes.transactionId, value: sale.transactionId },
    { key: searchAttributes.instructorId, value: sale.instructorId },
    { key: searchAttributes.courseId, value: sale.courseId },
  ];
  if (extra.status !== undefined) pairs.push({ key: searchAttributes.saleStatus, value: extra.status });
  if (extra.releaseAt !== undefined) pairs.push({ key: searchAttributes.releaseAt, value: new Date(extra.releaseAt) });
  return pairs;
}

/** A sale that moved on (completed, failed, released, refunded...): the one attribute that changed. */
export function saleStatusAttribute(status: SaleStatusValue): SearchAttributePair[] {
  return [{ key: searchAttributes.saleStatus, value: status }];
}
