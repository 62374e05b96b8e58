import { checkSale, type SaleLedgerRow } from '../../src/ledger/check';

/** A $79 sale recorded correctly and still held (instructor $55.30, platform $23.70). */
const base: SaleLedgerRow = {
  transaction_id: '00000000-0000-4000-8000-000000000001',
  tx_status: 'completed',
  net_cents: 7900,
  revenue_id: '00000000-0000-4000-8000-000000000002',
  instructor_id: '00000000-0000-4000-8000-000000000003',
  instructor_cents: 5530,
  platform_cents: 2370,
  share_status: 'held',
  payout_id: null,
  payout_status: null,
  adjustment_id: null,
  adjustment_cents: null,
  adjustment_status: null,
  adjustment_instructor_id: null,
  adjustment_transaction_id: null,
  adjustment_payout_status: null,
  active_enrollments: 1,
};
const paid = {
  share_status: 'paid',
  payout_id: '00000000-0000-4000-8000-000000000004',
  payout_status: 'completed',
} as const;
const clawback = {
  adjustment_id: '00000000-0000-4000-8000-000000000005',
  adjustment_cents: 5530,
  adjustment_status: 'outstanding',
  adjustment_instructor_id: base.instructor_id,
  adjustment_transaction_id: base.transaction_id,
} as const;
const refunded = { tx_status: 'refunded', active_enrollments: 0 } as const;

const rules = (row: Partial<SaleLedgerRow>) => checkSale({ ...base, ...row }).violations.map((v) => v.rule);
const bucket = (row: Partial<SaleLedgerRow>) => checkSale({ ...base, ...row }).bucket;

describe('ledger: one sale', () => {
  it('puts a consistent share in exactly one bucket', () => {
    expect(checkSale(base)).toEqual({ bucket: 'held', violations: [] });
    expect(bucket({ share_status: 'frozen' })).toBe('frozen');
    expect(bucket({ share_status: 'payable' })).toBe('payable');
    expect(bucket(paid)).toBe('paid');
    expect(checkSale({ ...base, ...refunded, share_status: 'cancelled' })).toEqual({
      bucket: 'cancelled',
      violations: [],
    });
    expect(checkSale({ ...base, ...refunded, ...paid, ...clawback })).toEqual({
      bucket: 'clawed_back',
      violations: [],
    });
    // A clawback applied in a later completed payout is still a clawed-back share.
    expect(
      rules({ ...refunded, ...paid, ...clawback, adjustment_status: 'applied', adjustment_payout_status: 'completed' }),
    ).toEqual([]);
  });

  it('checks the split: instructor + platform = net, and the 70% rule', () => {
    expect(rules({ platform_cents: 2369 })).toEqual(['split_sum']);
    expect(rules({ instructor_cents: 5529, platform_cents: 2371 })).toEqual(['split_rule']);
  });

  it('finds a refunded sale whose share is still owed, or taken back twice', () => {
    for (const share_status of ['held', 'payable', 'frozen'] as const) {
      expect(checkSale({ ...base, ...refunded, share_status })).toEqual({
        bucket: null,
        violations: [expect.objectContaining({ rule: 'refund_not_reversed' })],
      });
    }
    expect(rules({ ...refunded, ...paid })).toEqual(['refund_not_reversed']);
    expect(rules({ ...refunded, share_status: 'cancelled', ...clawback })).toEqual(['refund_not_reversed']);
    expect(rules({ ...refunded, share_status: 'cancelled', active_enrollments: 1 })).toEqual([
      'refunded_access_active',
    ]);
  });

  it('finds money taken back from a sale that was not refunded', () => {
    expect(rules({ share_status: 'cancelled' })).toEqual(['cancelled_without_refund']);
    expect(rules({ ...paid, ...clawback })).toEqual(['clawback_without_refund']);
    expect(bucket({ ...paid, ...clawback })).toBeNull();
  });

  it('checks clawbacks against their share', () => {
    expect(rules({ ...refunded, ...paid, ...clawback, adjustment_cents: 5000 })).toEqual(['clawback_amount']);
    expect(rules({ ...refunded, ...paid, ...clawback, adjustment_instructor_id: base.revenue_id })).toEqual([
      'clawback_owner',
    ]);
    expect(
      rules({ ...refunded, ...paid, ...clawback, adjustment_status: 'applied', adjustment_payout_status: 'failed' }),
    ).toEqual(['clawback_applied_without_payout']);
  });

  it('checks payouts: paid means transferred, held shares are not in payouts', () => {
    expect(rules({ ...paid, payout_status: 'processing' })).toEqual(['paid_without_transfer']);
    expect(rules({ share_status: 'held', payout_id: paid.payout_id, payout_status: 'pending' })).toEqual([
      'unreleased_share_in_payout',
    ]);
    expect(rules({ share_status: 'payable', payout_id: paid.payout_id, payout_status: 'failed' })).toEqual([
      'share_in_failed_payout',
    ]);
    expect(rules({ share_status: 'payable', payout_id: paid.payout_id, payout_status: 'processing' })).toEqual([]);
  });

  it('finds a recorded sale without a share, and a share without a sale', () => {
    const noShare = {
      revenue_id: null,
      instructor_id: null,
      instructor_cents: null,
      platform_cents: null,
      share_status: null,
    };
    expect(rules(noShare)).toEqual(['sale_without_share']);
    expect(rules({ ...noShare, tx_status: 'pending' })).toEqual([]);
    expect(rules({ tx_status: 'failed' })).toEqual(['share_without_sale']);
  });
});
