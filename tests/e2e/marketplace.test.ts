/**
 * Spec MKT-035, the whole story, through HTTP only (src/demo/marketplace-story.ts, the same code `npm run demo`
 * runs): course with 5 ingested lessons → published → found → PYTHON20 → $63.20 paid → enrolled → watched →
 * certificate → 5 stars → hold passes → payout deferred ($44.24 < $50) → full-price sale ($55.30 share) →
 * next run pays $99.54 in one transfer. Then the books: every figure in cents, the database rows behind them,
 * the workflows the story names, and the ledger check.
 *
 * Runs on a system of its own (database, task queues, worker) whose worker holds shares for 3 s instead of
 * 7 days: the hold is applied by the worker that records the sale, so only a worker started with a short
 * ESCROW_HOLD lets the story reach the payouts.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createOrPromoteAdmin } from '../../src/admin/accounts';
import { loadConfig } from '../../src/config';
import { estimateStripeFee } from '../../src/domain/money';
import { defaultPeriods, runMarketplaceStory, type StoryResult } from '../../src/demo/marketplace-story';
import { checkLedger } from '../../src/ledger/check';
import { startEphemeralSystem, type EphemeralSystem } from '../../src/stack/ephemeral';
import { payoutIds } from '../../src/temporal/contracts/payouts';
import { startTestApi, uniqueEmail, type TestApi } from '../support/api';

jest.setTimeout(420_000);

const HOLD = '3s';
let system: EphemeralSystem;
let t: TestApi;
let story: StoryResult;
const lines: string[] = [];

beforeAll(async () => {
  system = await startEphemeralSystem(process.env, (line) => process.stderr.write(`[marketplace] ${line}\n`), {
    ESCROW_HOLD: HOLD,
  });
  t = await startTestApi({ env: system.env });
});

afterAll(async () => {
  const prefix = loadConfig(system?.env ?? process.env).TASK_QUEUE_PREFIX;
  await t?.deps.temporal.schedule
    .getHandle(payoutIds.schedule(prefix))
    .delete()
    .catch(() => undefined);
  await t?.close();
  await system?.stop();
});

it('MKT-035: publish, find, buy with PYTHON20, learn, certify, review; payout deferred, then $99.54 in one transfer', async () => {
  const started = Date.now();
  const admin = { email: uniqueEmail('admin'), password: 'an admin password long enough' };
  await createOrPromoteAdmin(t.deps.knex, { ...admin, name: 'Operator' }); // what `npm run create-admin` does

  const videoDir = fs.mkdtempSync(path.join(os.tmpdir(), 'edustream-story-'));
  story = await runMarketplaceStory({
    baseUrl: t.url,
    webhookSecret: t.deps.config.STRIPE_WEBHOOK_SECRET,
    admin,
    videoDir,
    maxHoldMs: 60_000,
    log: (line) => lines.push(line),
  });
  fs.rmSync(videoDir, { recursive: true, force: true });
  process.stderr.write(
    `[marketplace] story took ${((Date.now() - started) / 1000).toFixed(1)} s:\n  ${lines.join('\n  ')}\n`,
  );

  // The course, as anyone sees it: published at $79.00, 5 ready lessons, the 2 previews open.
  expect(story.course).toMatchObject({ priceCents: 7900, status: 'published', previewLessons: 2 });
  expect(story.lessons.map((l) => l.durationSeconds)).toEqual([4, 4, 4, 4, 4]);
  const page = await t.request.get(`/api/courses/${story.course.id}`);
  expect(page.body.lessons.map((l: { locked: boolean }) => l.locked)).toEqual([false, false, true, true, true]);

  // PYTHON20: $79.00 − $15.80 = $63.20, split $44.24 / $18.96 (DESIGN §3; Stripe's fee borne by the platform).
  expect(story.coupon).toEqual({ code: 'PYTHON20', validatedNetCents: 6320 });
  expect(story.discounted).toMatchObject({
    grossCents: 7900,
    discountCents: 1580,
    netCents: 6320,
    instructorCents: 4424,
    platformCents: 1896,
    stripeFeeCents: estimateStripeFee(6320),
  });
  expect(story.fullPrice).toMatchObject({
    grossCents: 7900,
    discountCents: 0,
    netCents: 7900,
    instructorCents: 5530,
    platformCents: 2370,
    stripeFeeCents: estimateStripeFee(7900),
  });
  expect(story.holdMs).toBe(3000);

  // Learning: every lesson watched, a certificate anyone can verify, a 5-star review in the course's rating.
  expect(story.learning).toMatchObject({ completionPercent: 100, rating: 5 });
  expect(story.learning.certificateBytes).toBeGreaterThan(1000);
  const reviews = await t.request.get(`/api/courses/${story.course.id}/reviews`);
  expect(reviews.body.summary).toMatchObject({ ratingAverage: 5, ratingCount: 1, distribution: { 5: 1 } });

  // Payouts: the first run left $44.24 waiting; the next paid $44.24 + $55.30 = $99.54 in one transfer.
  expect(story.deferredRun).toMatchObject({
    period: defaultPeriods(new Date()).deferred,
    availableAfterCents: 4424,
    paid: 0,
    paidCents: 0,
  });
  expect(story.paidRun).toMatchObject({
    period: defaultPeriods(new Date()).paid,
    availableAfterCents: 0,
    paid: 1,
    paidCents: 9954,
  });
  expect(story.paidRun.payout).toMatchObject({
    amountCents: 9954,
    grossCents: 9954,
    status: 'completed',
    stripeTransferId: expect.stringMatching(/^tr_/),
  });
  expect(story.payoutCount).toBe(1);

  // The rows behind the figures.
  const knex = t.deps.knex;
  const payouts = await knex('instructor_payouts').where({ instructor_id: story.instructor.id });
  expect(payouts).toHaveLength(1);
  expect(payouts[0]).toMatchObject({
    payout_period: story.paidRun.period,
    status: 'completed',
    gross_cents: 9954,
    adjustments_cents: 0,
    total_amount_cents: 9954,
    stripe_destination_account: story.instructor.connectAccountId,
  });
  const shares = await knex('revenue_records')
    .where({ instructor_id: story.instructor.id })
    .orderBy('instructor_amount_cents');
  expect(shares.map((s) => [s.instructor_amount_cents, s.platform_amount_cents, s.status, s.payout_id])).toEqual([
    [4424, 1896, 'paid', payouts[0].id],
    [5530, 2370, 'paid', payouts[0].id],
  ]);
  const transfers = await knex('transaction_audit_logs').where({ payout_id: payouts[0].id }).pluck('action');
  expect(transfers.sort()).toEqual(['payout_completed', 'payout_initiated']);
  expect(await knex('coupons').where({ code: 'PYTHON20' }).first('current_uses')).toEqual({ current_uses: 1 });

  // The workflows the story names (and the demo links to) exist and finished.
  const ids = [
    ...story.lessons.map((l) => l.ingestWorkflowId),
    story.discounted.checkoutWorkflowId,
    story.discounted.escrowWorkflowId,
    story.fullPrice.checkoutWorkflowId,
    story.fullPrice.escrowWorkflowId,
    story.deferredRun.workflowId,
    story.paidRun.workflowId,
    story.paidRun.payout.workflowId,
  ];
  const statuses = await Promise.all(
    ids.map(async (id) => (await t.deps.temporal.workflow.getHandle(id).describe()).status.name),
  );
  expect(statuses).toEqual(ids.map(() => 'COMPLETED'));

  const ledger = await checkLedger(knex);
  expect(ledger.violations).toEqual([]);
  expect(ledger).toMatchObject({ ok: true, sales: 2, instructorShareCents: 9954, unaccountedCents: 0 });
  expect(ledger.buckets.paid).toEqual({ count: 2, cents: 9954 });
});
