import { refundRefusal, type RefundableSale } from '../../src/domain/refunds';

const paidAt = '2026-11-01T12:00:00.000Z';
const sale: RefundableSale = {
  buyerId: 'buyer',
  instructorId: 'teacher',
  status: 'completed',
  paidAt,
  shareStatus: 'held',
};
const buyer = { id: 'buyer', role: 'student' } as const;
const at = (iso: string) => new Date(iso);
const code = (
  s: Partial<RefundableSale>,
  actor: { id: string; role: 'student' | 'instructor' | 'admin' } = buyer,
  when = '2026-11-02T00:00:00Z',
) => refundRefusal({ ...sale, ...s }, actor, at(when))?.code ?? null;

describe('refund rule (DESIGN §3, spec MKT-014)', () => {
  it('lets the buyer, the course instructor and any admin refund', () => {
    expect(code({}, buyer)).toBeNull();
    expect(code({}, { id: 'teacher', role: 'instructor' })).toBeNull();
    expect(code({}, { id: 'someone', role: 'admin' })).toBeNull();
  });

  it('refuses everyone else with "Access denied", whatever the sale is like', () => {
    expect(refundRefusal(sale, { id: 'other', role: 'student' }, at('2026-11-02T00:00:00Z'))).toEqual({
      code: 'refund_forbidden',
      message: 'Access denied',
    });
    expect(code({}, { id: 'other-teacher', role: 'instructor' })).toBe('refund_forbidden');
    expect(code({ status: 'refunded' }, { id: 'other', role: 'student' }, '2027-01-01T00:00:00Z')).toBe(
      'refund_forbidden',
    );
  });

  it('allows exactly 30 × 24 hours after the payment, not a millisecond more', () => {
    expect(code({}, buyer, '2026-12-01T12:00:00.000Z')).toBeNull();
    expect(refundRefusal(sale, buyer, at('2026-12-01T12:00:00.001Z'))).toEqual({
      code: 'refund_window_expired',
      message: 'Refund window expired (30 days)',
    });
  });

  it('refuses a refunded, unpaid or disputed sale', () => {
    expect(code({ status: 'refunded' })).toBe('already_refunded');
    expect(code({ status: 'pending', paidAt: null })).toBe('not_refundable');
    expect(code({ status: 'failed', paidAt: null })).toBe('not_refundable');
    expect(code({ shareStatus: 'frozen' })).toBe('sale_disputed');
    // Already refunded says so even after the window: the more useful answer.
    expect(code({ status: 'refunded' }, buyer, '2027-01-01T00:00:00Z')).toBe('already_refunded');
  });
});
