import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createOrPromoteAdmin } from '../admin/accounts';
import { loadConfig } from '../config';
import { createKnex } from '../db/knex';
import { runMarketplaceStory, StoryError, type SaleFigures, type StoryResult } from '../demo/marketplace-story';
import { formatUsd } from '../domain/money';
import { temporalUiLink } from '../payouts/run';
import { refuseProduction, runMain } from './run-main';

/**
 * `npm run demo`: the whole marketplace story (spec MKT-035) against the RUNNING dev stack, through its HTTP
 * API, one line per step, then a summary with the amounts, the workflow ids and their Temporal UI links.
 *
 * The payout part waits for the escrow hold, which is the worker's ESCROW_HOLD (7 days by default): start the
 * stack with a short one — `ESCROW_HOLD=20s npm run dev` — or the demo stops after the purchase, saying so.
 * The demo signs in as an admin it creates (or refreshes) the way `npm run create-admin` does, and signs the
 * Stripe events with STRIPE_WEBHOOK_SECRET, as Stripe would (stripe-mock sends no webhooks): run it with the
 * same configuration (.env) as the stack. DEMO_API_URL overrides the API address (default 127.0.0.1:$PORT).
 */
const DEMO_ADMIN = {
  email: 'demo-admin@edustream.example',
  password: 'demo admin password 2026',
  name: 'Demo Operator',
};
/** Longer holds are not waited for. */
const MAX_HOLD_MS = 5 * 60 * 1000;

async function main(): Promise<void> {
  const config = loadConfig();
  refuseProduction(config, 'demo');
  const api = process.env.DEMO_API_URL ?? `http://127.0.0.1:${config.PORT}`;
  const started = Date.now();
  const say = (line: string) => console.log(`[${((Date.now() - started) / 1000).toFixed(1).padStart(6)}s] ${line}`);

  const ready = await fetch(`${api}/readyz`).then(
    (r) => r.ok,
    () => false,
  );
  if (!ready)
    throw new Error(`no EduStream API is ready at ${api}: start the stack first (ESCROW_HOLD=20s npm run dev)`);
  console.log(`EduStream demo against ${api} (Temporal UI ${config.TEMPORAL_UI_URL})\n`);

  // The operator's way in (npm run create-admin), and the one coupon code a database can hold once.
  const knex = createKnex(config.DATABASE_URL);
  let couponCode = 'PYTHON20';
  try {
    await createOrPromoteAdmin(knex, { ...DEMO_ADMIN, resetPassword: true });
    say(`admin ready: ${DEMO_ADMIN.email} (created as npm run create-admin does)`);
    if (await knex('coupons').where({ code: couponCode }).first('id')) {
      couponCode = `PYTHON20-${Date.now().toString(36).toUpperCase()}`;
      say(`PYTHON20 exists already in this database (an earlier demo): this run's 20% coupon is ${couponCode}`);
    }
  } finally {
    await knex.destroy();
  }

  const videoDir = fs.mkdtempSync(path.join(os.tmpdir(), 'edustream-demo-'));
  let story: StoryResult;
  try {
    story = await runMarketplaceStory({
      baseUrl: api,
      webhookSecret: config.STRIPE_WEBHOOK_SECRET,
      admin: DEMO_ADMIN,
      videoDir,
      maxHoldMs: MAX_HOLD_MS,
      couponCode,
      log: say,
    });
  } catch (err) {
    if (err instanceof StoryError) throw new Error(`the demo stopped: ${err.message}`, { cause: err });
    throw err;
  } finally {
    fs.rmSync(videoDir, { recursive: true, force: true });
  }
  console.log(summary(story, (id) => temporalUiLink(config, id), (Date.now() - started) / 1000));
}

function summary(s: StoryResult, link: (workflowId: string) => string, seconds: number): string {
  const sale = (label: string, f: SaleFigures) =>
    `  ${label.padEnd(30)} gross ${formatUsd(f.grossCents)}  discount ${formatUsd(f.discountCents)}  paid ${formatUsd(f.netCents)}` +
    `  → instructor ${formatUsd(f.instructorCents)} / platform ${formatUsd(f.platformCents)}  (Stripe fee ${formatUsd(f.stripeFeeCents)})`;
  const workflow = (label: string, id: string) => [`  ${label}`, `    ${id}`, `    ${link(id)}`];
  return [
    '',
    `Done in ${seconds.toFixed(1)} s. Summary`,
    '',
    `Course   "${s.course.title}"  ${formatUsd(s.course.priceCents)}  ${s.lessons.length} lessons (${s.course.previewLessons} previews)  ${s.course.id}`,
    `Sales`,
    sale(`${s.coupon.code} (20% off)`, s.discounted),
    sale('full price', s.fullPrice),
    `Escrow hold                    ${Math.round(s.holdMs / 1000)} s per sale`,
    `Payout runs`,
    `  ${s.deferredRun.period}  deferred: ${formatUsd(s.discounted.instructorCents)} is under the $50.00 minimum`,
    `  ${s.paidRun.period}  paid ${formatUsd(s.paidRun.payout.amountCents)} = ${formatUsd(s.discounted.instructorCents)} + ${formatUsd(s.fullPrice.instructorCents)} in one transfer (${s.paidRun.payout.stripeTransferId})`,
    `Learning  ${s.learning.completionPercent}% watched, certificate ${s.learning.certificateId}, review ${'★'.repeat(s.learning.rating)}`,
    '',
    'Workflows (open the links in the Temporal UI)',
    ...workflow('video ingest, lesson 1 (one per lesson)', s.lessons[0].ingestWorkflowId),
    ...workflow('checkout, first sale', s.discounted.checkoutWorkflowId),
    ...workflow('escrow, first sale', s.discounted.escrowWorkflowId),
    ...workflow('checkout, second sale', s.fullPrice.checkoutWorkflowId),
    ...workflow('escrow, second sale', s.fullPrice.escrowWorkflowId),
    ...workflow(`payout run ${s.deferredRun.period} (deferred)`, s.deferredRun.workflowId),
    ...workflow(`payout run ${s.paidRun.period} (paid)`, s.paidRun.workflowId),
    ...workflow("the instructor's payout (its child)", s.paidRun.payout.workflowId),
    '',
  ].join('\n');
}

runMain(main);
