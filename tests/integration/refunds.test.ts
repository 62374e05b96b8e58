/**
 * POST /api/transactions/:id/refund on the real stack (API → Update-with-Start → refund workflow → Stripe
 * (stripe-mock) on the payments pool → Postgres), in the three places a sale can be when it is refunded:
 * during the hold, released but not paid out, paid out. The ledger check passes after each.
 */
import { randomUUID } from 'node:crypto';
import type { Knex } from 'knex';
import { loadConfig } from '../../src/config';
import { payableBalance } from '../../src/domain/money';
import { checkLedger } from '../../src/ledger/check';
import { findSale } from '../../src/sales/facts';
import { requestRefund } from '../../src/sales/workflow-client';
import type { EscrowState } from '../../src/temporal/contracts/escrow';
import { type RefundOutcome, refundWorkflowId } from '../../src/temporal/contracts/refund';
import { startTestApi, type TestApi } from '../support/api';
import { activityCount, markPaidOut, saleWithEscrow, waitFor, type SaleScenario } from '../support/escrow';
import { createUser, type FixtureUser } from '../support/fixtures';

const HOUR = 60 * 60 * 1000;
const DAY = 24 * HOUR;

describe('refunds', () => {
  const config = loadConfig(process.env);
  let t: TestApi;
  let knex: Knex;
  let admin: FixtureUser;
  beforeAll(async () => {
    t = await startTestApi();
    knex = t.deps.knex;
    admin = await createUser(knex, config, 'admin');
  });
  afterAll(() => t.close());

  const scenario = (holdMs: number, completedAt?: Date) =>
    saleWithEscrow(knex, config, t.deps.temporal, { holdMs, completedAt });
  const refund = (s: SaleScenario, user: FixtureUser, body: object = {}) =>
    t.request.post(`/api/transactions/${s.sale.transactionId}/refund`).set(user.auth).send(body);
  const row = (table: string, where: object) => knex(table).where(where).first();

  async function expectBooksExact(s: SaleScenario): Promise<void> {
    const ledger = await checkLedger(knex, { instructorIds: [s.instructor.id] });
    expect(ledger.violations).toEqual([]);
    expect(ledger.ok).toBe(true);
  }

  /** What every refunded sale looks like, wherever its share was. */
  async function expectRefunded(s: SaleScenario, actor: FixtureUser): Promise<void> {
    const tx = await row('transactions', { id: s.sale.transactionId });
    expect(tx).toMatchObject({ status: 'refunded' });
    expect(tx.refunded_at).toBeInstanceOf(Date);
    expect(tx.stripe_refund_id).toMatch(/^re_/);
    expect(await row('enrollments', { id: s.sale.enrollmentId })).toMatchObject({ status: 'revoked' });

    const audit = await knex('transaction_audit_logs')
      .where({ transaction_id: s.sale.transactionId })
      .orderBy('created_at');
    expect(audit.map((a) => a.action)).toEqual(['purchase', 'refund_requested', 'refund_processed']);
    expect(audit[1]).toMatchObject({
      actor_id: actor.id,
      metadata: expect.objectContaining({ source: 'api', refundCents: 7900 }),
    });
    expect(audit[1].ip_address).toEqual(expect.any(String));
    expect(audit[2].metadata).toMatchObject({
      stripeRefundId: tx.stripe_refund_id,
      refundCents: 7900,
      instructorShareCents: 5530,
    });

    const notes = await knex('notifications')
      .where('dedupe_key', 'like', `refund:${s.sale.transactionId}:%`)
      .orderBy('kind');
    expect(notes.map((n) => [n.kind, n.user_id])).toEqual([
      ['refund_processed', s.buyer.id],
      ['sale_refunded', s.instructor.id],
    ]);
    await expectBooksExact(s);
  }

  it('during the hold: the buyer is refunded, the share cancelled, the escrow ended early', async () => {
    const s = await scenario(HOUR);
    const res = await refund(s, s.buyer, { reason: 'not what I expected' });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      transactionId: s.sale.transactionId,
      status: 'refunded',
      instructorShare: 'cancelled',
      source: 'api',
    });
    expect(res.body.stripeRefundId).toMatch(/^re_/);

    expect(await row('revenue_records', { id: s.sale.revenueRecordId })).toMatchObject({
      status: 'cancelled',
      payout_id: null,
    });
    const escrow = (await s.escrow.result()) as EscrowState;
    expect(escrow).toMatchObject({ status: 'cancelled', holdEnded: false, refunded: { share: 'cancelled' } });
    await expectRefunded(s, s.buyer);
    const requested = await row('transaction_audit_logs', {
      transaction_id: s.sale.transactionId,
      action: 'refund_requested',
    });
    expect(requested.metadata).toMatchObject({ reason: 'not what I expected', shareStatus: 'held' });
  });

  it('after release, before payout: the instructor refunds, the payable share is cancelled', async () => {
    const s = await scenario(1000);
    expect(await s.escrow.result()).toMatchObject({ status: 'payable' });
    const res = await refund(s, s.instructor);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ instructorShare: 'cancelled' });
    expect(await row('revenue_records', { id: s.sale.revenueRecordId })).toMatchObject({ status: 'cancelled' });
    await expectRefunded(s, s.instructor);
  });

  it('after payout: an admin refunds, the paid share becomes an outstanding clawback the next payout deducts', async () => {
    const s = await scenario(1000);
    expect(await s.escrow.result()).toMatchObject({ status: 'payable' });
    // The monthly run paid this share out (written directly: payouts are another workflow's business).
    const payoutId = await markPaidOut(knex, s);
    await expectBooksExact(s);

    const res = await refund(s, admin);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ instructorShare: 'clawed_back' });
    // The transfer happened: the share stays paid, and the adjustment takes it back.
    expect(await row('revenue_records', { id: s.sale.revenueRecordId })).toMatchObject({
      status: 'paid',
      payout_id: payoutId,
    });
    const adjustment = await row('revenue_adjustments', { transaction_id: s.sale.transactionId });
    expect(adjustment).toMatchObject({
      instructor_id: s.instructor.id,
      revenue_record_id: s.sale.revenueRecordId,
      amount_cents: 5530,
      status: 'outstanding',
      payout_id: null,
    });
    await expectRefunded(s, admin);
    const ledger = await checkLedger(knex, { instructorIds: [s.instructor.id] });
    expect(ledger.buckets.clawed_back).toEqual({ count: 1, cents: 5530 });
    expect(ledger.adjustments.outstanding).toEqual({ count: 1, cents: 5530 });

    // The next sale's released share is offset by the clawback: the instructor's balance for the next run.
    const payable = await knex('revenue_records')
      .where({ instructor_id: s.instructor.id, status: 'payable' })
      .whereNull('payout_id')
      .pluck('instructor_amount_cents');
    const outstanding = await knex('revenue_adjustments')
      .where({ instructor_id: s.instructor.id, status: 'outstanding' })
      .pluck('amount_cents');
    expect(payableBalance([...payable, 5530], outstanding)).toBe(0);
  });

  it('ten concurrent requests make exactly one refund; the others are told it is in progress or done', async () => {
    const s = await scenario(HOUR);
    const responses = await Promise.all(Array.from({ length: 10 }, () => refund(s, s.buyer)));
    const statuses = responses.map((r) => r.status).sort();
    expect(statuses).toEqual([200, 409, 409, 409, 409, 409, 409, 409, 409, 409]);
    for (const r of responses.filter((x) => x.status === 409)) {
      expect(['A refund of this transaction is already in progress', 'Transaction already refunded']).toContain(
        r.body.detail,
      );
    }
    // One refund attempt (each run audits its own request), one Stripe call (the only code that refunds at
    // Stripe is that activity), one refund on the books.
    expect(await activityCount(t.deps.temporal, refundWorkflowId(s.sale.transactionId), 'createStripeRefund')).toBe(1);
    for (const action of ['refund_requested', 'refund_processed']) {
      expect(
        await knex('transaction_audit_logs')
          .where({ transaction_id: s.sale.transactionId, action })
          .count('* as n')
          .first(),
      ).toEqual({ n: 1 });
    }
    await expectRefunded(s, s.buyer);
  });

  it('a retried request with the same Idempotency-Key gets the first answer, not a 409', async () => {
    const s = await scenario(HOUR);
    const key = randomUUID();
    const first = await t.request
      .post(`/api/transactions/${s.sale.transactionId}/refund`)
      .set(s.buyer.auth)
      .set('Idempotency-Key', key)
      .send({});
    const again = await t.request
      .post(`/api/transactions/${s.sale.transactionId}/refund`)
      .set(s.buyer.auth)
      .set('Idempotency-Key', key)
      .send({});
    expect(first.status).toBe(200);
    expect(again.status).toBe(200);
    expect(again.body).toEqual(first.body);
  });

  describe('when Stripe refuses, the saga undoes what it had done (compensation)', () => {
    // A sale whose payment Stripe cannot refund: no payment intent or charge to name.
    const unrefundable = (s: SaleScenario) =>
      knex('transactions')
        .where({ id: s.sale.transactionId })
        .update({ stripe_payment_intent_id: null, stripe_charge_id: null });

    it('during the hold: access and the held share come back, the escrow keeps waiting, the failure is audited', async () => {
      const s = await scenario(HOUR);
      await unrefundable(s);
      const res = await refund(s, s.buyer);
      expect(res.status).toBe(502);
      expect(res.body.type).toBe('urn:edustream:problem:payment-provider-refused');

      expect(await row('transactions', { id: s.sale.transactionId })).toMatchObject({
        status: 'completed',
        refunded_at: null,
        stripe_refund_id: null,
      });
      expect(await row('enrollments', { id: s.sale.enrollmentId })).toMatchObject({
        status: 'active',
        revoked_at: null,
      });
      expect(await row('revenue_records', { id: s.sale.revenueRecordId })).toMatchObject({
        status: 'held',
        cancelled_at: null,
      });
      const audit = await knex('transaction_audit_logs')
        .where({ transaction_id: s.sale.transactionId })
        .orderBy('created_at');
      expect(audit.map((a) => a.action)).toEqual(['purchase', 'refund_requested', 'refund_failed']);
      expect(audit[2].metadata).toMatchObject({ code: 'payment_provider_refused', source: 'api' });
      // The escrow was told; it looked at the share again and is still holding it.
      await waitFor(async () => {
        const state = await s.escrow.query<EscrowState>('escrow.state');
        return state.status === 'held' && state.refunded === null ? state : undefined;
      }, 'the escrow to hold the share again');
      await expectBooksExact(s);
      await s.escrow.terminate('test over');
    });

    it('after release: the share comes back payable, not held', async () => {
      const s = await scenario(500);
      expect(await s.escrow.result()).toMatchObject({ status: 'payable' });
      await unrefundable(s);
      expect((await refund(s, s.instructor)).status).toBe(502);
      expect(await row('revenue_records', { id: s.sale.revenueRecordId })).toMatchObject({
        status: 'payable',
        cancelled_at: null,
      });
      expect(await row('enrollments', { id: s.sale.enrollmentId })).toMatchObject({ status: 'active' });
      await expectBooksExact(s);
    });

    it('after payout: the clawback is withdrawn', async () => {
      const s = await scenario(500);
      expect(await s.escrow.result()).toMatchObject({ status: 'payable' });
      await markPaidOut(knex, s);
      await unrefundable(s);
      expect((await refund(s, admin)).status).toBe(502);
      expect(await knex('revenue_adjustments').where({ transaction_id: s.sale.transactionId })).toEqual([]);
      expect(await row('revenue_records', { id: s.sale.revenueRecordId })).toMatchObject({ status: 'paid' });
      await expectBooksExact(s);
    });
  });

  describe('refused requests (spec MKT-014)', () => {
    it('403 for anyone but the buyer, the instructor or an admin', async () => {
      const s = await scenario(HOUR);
      const stranger = await createUser(knex, config, 'student');
      const otherInstructor = await createUser(knex, config, 'instructor');
      for (const user of [stranger, otherInstructor]) {
        const res = await refund(s, user);
        expect(res.status).toBe(403);
        expect(res.body).toMatchObject({ detail: 'Access denied' });
      }
      expect(await row('transactions', { id: s.sale.transactionId })).toMatchObject({ status: 'completed' });
      await s.escrow.terminate('test over');
    });

    it('400 after the 30-day window', async () => {
      const s = await scenario(7 * DAY, new Date(Date.now() - 31 * DAY));
      expect(await s.escrow.result()).toMatchObject({ status: 'payable' }); // its hold ended long ago
      const res = await refund(s, s.buyer);
      expect(res.status).toBe(400);
      expect(res.body).toMatchObject({
        detail: 'Refund window expired (30 days)',
        type: 'urn:edustream:problem:refund-window-expired',
      });
      expect(await row('revenue_records', { id: s.sale.revenueRecordId })).toMatchObject({ status: 'payable' });
    });

    it('409 once refunded', async () => {
      const s = await scenario(HOUR);
      expect((await refund(s, s.buyer)).status).toBe(200);
      const again = await refund(s, admin);
      expect(again.status).toBe(409);
      expect(again.body).toMatchObject({ detail: 'Transaction already refunded' });
    });

    it('404 for an unknown transaction, 400 for a malformed id, 401 without a token', async () => {
      expect((await t.request.post(`/api/transactions/${randomUUID()}/refund`).set(admin.auth).send({})).status).toBe(
        404,
      );
      const bad = await t.request.post('/api/transactions/not-a-uuid/refund').set(admin.auth).send({});
      expect(bad.status).toBe(400);
      expect(bad.body.errors).toEqual([expect.objectContaining({ field: 'id', in: 'path' })]);
      expect((await t.request.post(`/api/transactions/${randomUUID()}/refund`).send({})).status).toBe(401);
    });

    it('a request made on stale facts after a finished refund is refused by the books: 409, nothing changes', async () => {
      // A new refund run started from facts read before the first refund committed (the route's read raced it):
      // the validator lets it through, the saga's first step finds the sale refunded and answers 409.
      const s = await scenario(HOUR);
      expect((await refund(s, s.buyer)).status).toBe(200);
      const refundId = refundWorkflowId(s.sale.transactionId);
      const outcome = (await t.deps.temporal.workflow.getHandle(refundId).result()) as RefundOutcome;
      expect(outcome.status).toBe('refunded');
      const stale = {
        ...(await findSale(knex, { transactionId: s.sale.transactionId }))!,
        status: 'completed' as const,
        shareStatus: 'held' as const,
      };
      await expect(
        requestRefund(t.deps, stale, {
          actorId: s.buyer.id,
          actorRole: 'student',
          requestedAt: new Date().toISOString(),
          ipAddress: null,
          reason: null,
        }),
      ).rejects.toMatchObject({ cause: expect.objectContaining({ type: 'already_refunded' }) });
      expect(
        await knex('transaction_audit_logs')
          .where({ transaction_id: s.sale.transactionId, action: 'refund_processed' })
          .count('* as n')
          .first(),
      ).toEqual({ n: 1 });
      expect(await activityCount(t.deps.temporal, refundId, 'createStripeRefund')).toBe(0); // the second run
      await waitFor(
        async () =>
          (await t.deps.temporal.workflow.getHandle(refundId).describe()).status.name === 'COMPLETED'
            ? true
            : undefined,
        'the second run to end',
      );
      await expectBooksExact(s);
    });
  });
});
