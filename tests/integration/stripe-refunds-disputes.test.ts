/**
 * Refunds and disputes that start at Stripe, delivered to the handlers of src/webhooks/refunds.ts as the
 * webhook route delivers them (verified, recorded in the inbox, then handed over), against the real
 * dev server and database: a dashboard refund converges on the refund workflow; a dispute freezes the
 * share until it is won (released as usual) or lost (undone like a refund, without a Stripe refund).
 */
import type { Knex } from 'knex';
import type Stripe from 'stripe';
import { loadConfig } from '../../src/config';
import { checkLedger } from '../../src/ledger/check';
import { type EscrowState, escrowWorkflowId } from '../../src/temporal/contracts/escrow';
import { type RefundOutcome, refundWorkflowId } from '../../src/temporal/contracts/refund';
import { refundWebhookHandlers } from '../../src/webhooks/refunds';
import type { WebhookHandler } from '../../src/webhooks/types';
import { startTestApi, type TestApi } from '../support/api';
import {
  activityCount,
  escrowState,
  markPaidOut,
  paymentIntentOf,
  saleWithEscrow,
  stripeEvent,
  waitFor,
  type SaleScenario,
} from '../support/escrow';

const HOUR = 60 * 60 * 1000;

describe('refunds and disputes from Stripe', () => {
  const config = loadConfig(process.env);
  let t: TestApi;
  let knex: Knex;
  beforeAll(async () => {
    t = await startTestApi();
    knex = t.deps.knex;
  });
  afterAll(() => t.close());

  const scenario = (holdMs: number) => saleWithEscrow(knex, config, t.deps.temporal, { holdMs });
  const deliver = (event: Stripe.Event) => (refundWebhookHandlers[event.type] as WebhookHandler)(t.deps, event);
  const share = (s: SaleScenario) => knex('revenue_records').where({ id: s.sale.revenueRecordId }).first();
  const refundOutcome = (s: SaleScenario) =>
    t.deps.temporal.workflow.getHandle(refundWorkflowId(s.sale.transactionId)).result() as Promise<RefundOutcome>;

  async function chargeEvent(s: SaleScenario, type: 'charge.refunded', extra: object = {}) {
    return stripeEvent(type, {
      id: `ch_test_${s.sale.transactionId.slice(0, 8)}`,
      object: 'charge',
      amount: 7900,
      amount_refunded: 7900,
      refunded: true,
      payment_intent: await paymentIntentOf(knex, s.sale.transactionId),
      refunds: { object: 'list', data: [{ id: `re_dashboard_${s.sale.transactionId.slice(0, 8)}`, object: 'refund' }] },
      ...extra,
    });
  }
  async function disputeEvent(
    s: SaleScenario,
    type: 'charge.dispute.created' | 'charge.dispute.closed',
    status: string,
  ) {
    return stripeEvent(type, {
      id: `dp_test_${s.sale.transactionId.slice(0, 8)}`,
      object: 'dispute',
      amount: 7900,
      charge: `ch_test_${s.sale.transactionId.slice(0, 8)}`,
      payment_intent: await paymentIntentOf(knex, s.sale.transactionId),
      status,
    });
  }
  async function expectBooksExact(s: SaleScenario) {
    const ledger = await checkLedger(knex, { instructorIds: [s.instructor.id] });
    expect(ledger.violations).toEqual([]);
    expect(ledger.ok).toBe(true);
  }

  it('a dashboard refund (charge.refunded) converges on the refund workflow: same outcome, no second Stripe refund', async () => {
    const s = await scenario(HOUR);
    const event = await chargeEvent(s, 'charge.refunded');
    expect(await deliver(event)).toEqual({ workflowId: refundWorkflowId(s.sale.transactionId) });

    const outcome = await refundOutcome(s);
    expect(outcome).toMatchObject({
      status: 'refunded',
      result: {
        source: 'stripe',
        instructorShare: 'cancelled',
        stripeRefundId: `re_dashboard_${s.sale.transactionId.slice(0, 8)}`,
      },
    });
    expect(await activityCount(t.deps.temporal, refundWorkflowId(s.sale.transactionId), 'createStripeRefund')).toBe(0);
    expect(await knex('transactions').where({ id: s.sale.transactionId }).first()).toMatchObject({
      status: 'refunded',
    });
    expect(await knex('enrollments').where({ id: s.sale.enrollmentId }).first()).toMatchObject({ status: 'revoked' });
    expect(await share(s)).toMatchObject({ status: 'cancelled' });
    expect(await s.escrow.result()).toMatchObject({ status: 'cancelled', refunded: { share: 'cancelled' } });
    const actions = await knex('transaction_audit_logs')
      .where({ transaction_id: s.sale.transactionId })
      .orderBy('created_at')
      .pluck('action');
    expect(actions).toEqual(['purchase', 'refund_requested', 'refund_processed']);
    await expectBooksExact(s);

    // Stripe redelivers: nothing more happens.
    expect(await deliver(event)).toBeUndefined();
    const afterRedelivery = await knex('transaction_audit_logs')
      .where({ transaction_id: s.sale.transactionId })
      .pluck('action');
    expect(afterRedelivery).toHaveLength(3);
  });

  it('the echo of our own refund (charge.refunded after POST /refund) changes nothing', async () => {
    const s = await scenario(HOUR);
    const res = await t.request.post(`/api/transactions/${s.sale.transactionId}/refund`).set(s.buyer.auth).send({});
    expect(res.status).toBe(200);
    const echo = await chargeEvent(s, 'charge.refunded', {
      refunds: { object: 'list', data: [{ id: res.body.stripeRefundId }] },
    });
    expect(await deliver(echo)).toBeUndefined();
    expect(await knex('transactions').where({ id: s.sale.transactionId }).first()).toMatchObject({
      status: 'refunded',
      stripe_refund_id: res.body.stripeRefundId,
    });
    expect(
      await knex('transaction_audit_logs')
        .where({ transaction_id: s.sale.transactionId, action: 'refund_processed' })
        .count('* as n')
        .first(),
    ).toEqual({ n: 1 });
    await expectBooksExact(s);
  });

  it('a partial refund at Stripe is not applied', async () => {
    const s = await scenario(HOUR);
    expect(
      await deliver(await chargeEvent(s, 'charge.refunded', { refunded: false, amount_refunded: 1000 })),
    ).toBeUndefined();
    expect(await knex('transactions').where({ id: s.sale.transactionId }).first()).toMatchObject({
      status: 'completed',
    });
    await s.escrow.terminate('test over');
  });

  it('a dispute won before releaseAt: frozen, then held again, then released at releaseAt', async () => {
    const s = await scenario(8000);
    const opened = await disputeEvent(s, 'charge.dispute.created', 'needs_response');
    expect(await deliver(opened)).toEqual({ workflowId: escrowWorkflowId(s.sale.transactionId) });
    await deliver(opened); // redelivered: dropped by event id
    await waitFor(
      async () => ((await escrowState(s.escrow)).status === 'frozen' ? true : undefined),
      'the share to freeze',
    );
    expect(await share(s)).toMatchObject({ status: 'frozen' });

    // A refund asked for while the dispute is open is refused: the dispute decides.
    const refused = await t.request.post(`/api/transactions/${s.sale.transactionId}/refund`).set(s.buyer.auth).send({});
    expect(refused.status).toBe(409);
    expect(refused.body.type).toBe('urn:edustream:problem:sale-disputed');

    await deliver(await disputeEvent(s, 'charge.dispute.closed', 'won'));
    const reheld = await waitFor(async () => {
      const state = await escrowState(s.escrow);
      return state.dispute?.state === 'won' && state.status !== 'frozen' ? state : undefined;
    }, 'the dispute to be settled');
    expect(reheld).toMatchObject({ status: 'held', holdEnded: false });
    expect(await share(s)).toMatchObject({ status: 'held' });

    const done = (await s.escrow.result()) as EscrowState;
    expect(done).toMatchObject({ status: 'payable', holdEnded: true, dispute: { state: 'won' } });
    const released = await share(s);
    expect(released.status).toBe('payable');
    expect(released.released_at.getTime()).toBeGreaterThanOrEqual(new Date(s.sale.releaseAt).getTime());
    const audit = await knex('transaction_audit_logs')
      .where({ transaction_id: s.sale.transactionId })
      .orderBy('created_at')
      .pluck('action');
    expect(audit).toEqual(['purchase', 'dispute_opened', 'dispute_closed']);
    await expectBooksExact(s);
  });

  it('a dispute won after releaseAt: the share stays frozen past its release, then becomes payable', async () => {
    const s = await scenario(1500);
    await deliver(await disputeEvent(s, 'charge.dispute.created', 'needs_response'));
    const frozenPastRelease = await waitFor(async () => {
      const state = await escrowState(s.escrow);
      return state.holdEnded && state.status === 'frozen' ? state : undefined;
    }, 'the hold to end while frozen');
    expect(frozenPastRelease.dispute).toMatchObject({ state: 'open' });
    expect(await share(s)).toMatchObject({ status: 'frozen' });
    await expectBooksExact(s);

    await deliver(await disputeEvent(s, 'charge.dispute.closed', 'won'));
    expect(await s.escrow.result()).toMatchObject({ status: 'payable' });
    expect(await share(s)).toMatchObject({ status: 'payable' });
    await expectBooksExact(s);
  });

  it('a dispute lost: the sale is undone like a refund, without a Stripe refund', async () => {
    const s = await scenario(HOUR);
    await deliver(await disputeEvent(s, 'charge.dispute.created', 'needs_response'));
    await waitFor(
      async () => ((await escrowState(s.escrow)).status === 'frozen' ? true : undefined),
      'the share to freeze',
    );

    await deliver(await disputeEvent(s, 'charge.dispute.closed', 'lost'));
    const outcome = await refundOutcome(s);
    expect(outcome).toMatchObject({
      status: 'refunded',
      result: { source: 'dispute_lost', instructorShare: 'cancelled', stripeRefundId: null },
    });
    expect(await activityCount(t.deps.temporal, refundWorkflowId(s.sale.transactionId), 'createStripeRefund')).toBe(0);
    expect(await s.escrow.result()).toMatchObject({ status: 'cancelled', dispute: { state: 'lost' } });
    expect(await share(s)).toMatchObject({ status: 'cancelled' });
    expect(await knex('transactions').where({ id: s.sale.transactionId }).first()).toMatchObject({
      status: 'refunded',
      stripe_refund_id: null,
    });
    expect(await knex('enrollments').where({ id: s.sale.enrollmentId }).first()).toMatchObject({ status: 'revoked' });
    const audit = await knex('transaction_audit_logs').where({ transaction_id: s.sale.transactionId }).pluck('action');
    expect(audit.sort()).toEqual([
      'dispute_closed',
      'dispute_opened',
      'purchase',
      'refund_processed',
      'refund_requested',
    ]);
    await expectBooksExact(s);
  });

  it('a dispute lost after payout: the paid share is clawed back', async () => {
    const s = await scenario(500);
    expect(await s.escrow.result()).toMatchObject({ status: 'payable' });
    await markPaidOut(knex, s);

    // The escrow workflow has ended; the dispute starts a new run of it, which cannot freeze a paid share.
    await deliver(await disputeEvent(s, 'charge.dispute.created', 'needs_response'));
    await deliver(await disputeEvent(s, 'charge.dispute.closed', 'lost'));
    expect(await refundOutcome(s)).toMatchObject({ status: 'refunded', result: { instructorShare: 'clawed_back' } });
    const escrow = (await t.deps.temporal.workflow
      .getHandle(escrowWorkflowId(s.sale.transactionId))
      .result()) as EscrowState;
    expect(escrow).toMatchObject({ status: 'clawed_back' });
    expect(await knex('revenue_adjustments').where({ transaction_id: s.sale.transactionId }).first()).toMatchObject({
      amount_cents: 5530,
      status: 'outstanding',
    });
    await expectBooksExact(s);
  });
});
