// Over 350 lines on purpose: one end-to-end story (MKT-035) told in order; split, it would no longer read as one.
/**
 * Spec MKT-035, the whole marketplace story, through the public HTTP API only — shared by `npm run demo` (against
 * the running dev stack) and tests/e2e/marketplace.test.ts (against a system of its own):
 *
 *   an instructor signs up, creates a $79.00 course, uploads 5 lessons (real ingest; 2 free previews) and submits
 *   it; an admin approves it; a student searches, finds it, validates PYTHON20 and pays $63.20; Stripe (played
 *   here: stripe-mock sends no webhooks) confirms → enrolled; the student watches every lesson, downloads the
 *   certificate and reviews 5 stars; the instructor connects Stripe; the escrow hold passes; the payout run defers
 *   the instructor ($44.24 < $50.00); a second student pays the full $79.00 ($55.30 share); after its hold the
 *   next run pays $99.54 in one transfer (DESIGN §3).
 *
 * Every step checks what the API answers and throws a StoryError when it is not what the story needs. Nothing
 * here writes to the database: the admin account must exist already (`npm run create-admin`).
 */
import { randomInt } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { formatUsd } from '../domain/money';
import { payPeriodBounds, payPeriodOf, type PayPeriod } from '../domain/time';
import { makeTestVideo } from '../media/test-pattern';
import { checkoutWorkflowId } from '../temporal/contracts/checkout';
import { escrowWorkflowId } from '../temporal/contracts/escrow';
import { ingestWorkflowId } from '../temporal/contracts/ingest';
import { payoutIds } from '../temporal/contracts/payouts';
import {
  accountOnboardedEvent,
  checkoutSessionEvent,
  signEvent,
  type SimulatedStripeEvent,
} from '../webhooks/simulated-events';

export class StoryError extends Error {
  override name = 'StoryError';
}

export interface StoryOptions {
  /** The API, e.g. http://127.0.0.1:3000 */
  baseUrl: string;
  /** The webhook endpoint's signing secret (STRIPE_WEBHOOK_SECRET of the API), to sign the events Stripe would send. */
  webhookSecret: string;
  /** An existing admin account. */
  admin: { email: string; password: string };
  /** Where to write the generated lesson videos. */
  videoDir: string;
  /** One line per step. */
  log(line: string): void;
  /** A hold longer than this cannot be waited for: the story stops before the payout part, saying so. */
  maxHoldMs: number;
  /** The coupon to create (default PYTHON20; a database keeps each code forever, so a rerun may need another). */
  couponCode?: string;
  /** The two payout runs' periods: by default the last two months that have ended. */
  periods?: { deferred: PayPeriod; paid: PayPeriod };
  /** Ingest, payment, escrow and payout waits each give up after this long. */
  stepTimeoutMs?: number;
}

export interface SaleFigures {
  transactionId: string;
  checkoutWorkflowId: string;
  escrowWorkflowId: string;
  grossCents: number;
  discountCents: number;
  netCents: number;
  instructorCents: number;
  platformCents: number;
  stripeFeeCents: number;
  completedAt: string;
  releaseAt: string;
}

export interface PayoutRunFigures {
  period: PayPeriod;
  workflowId: string;
  temporalUiUrl: string;
  /** The instructor's available balance after the run. */
  availableAfterCents: number;
  paid: number;
  paidCents: number;
}

export interface StoryResult {
  instructor: { id: string; email: string; connectAccountId: string };
  students: { id: string; email: string }[];
  course: { id: string; title: string; priceCents: number; status: string; searchWord: string; previewLessons: number };
  lessons: { id: string; durationSeconds: number; ingestWorkflowId: string }[];
  coupon: { code: string; validatedNetCents: number };
  discounted: SaleFigures;
  fullPrice: SaleFigures;
  learning: {
    enrollmentId: string;
    completionPercent: number;
    certificateId: string;
    certificateBytes: number;
    reviewId: string;
    rating: number;
  };
  holdMs: number;
  deferredRun: PayoutRunFigures;
  paidRun: PayoutRunFigures & {
    payout: {
      id: string;
      workflowId: string;
      amountCents: number;
      grossCents: number;
      stripeTransferId: string;
      status: string;
    };
  };
  /** The instructor's payouts after the story (one). */
  payoutCount: number;
}

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any -- API answers, checked field by field

interface Session {
  id: string;
  email: string;
  token: string;
}

const PASSWORD = 'the demo password 2026';

/** A word no other course has, so the search finds exactly this one (letters only: full-text search keeps it whole). */
function uniqueWord(): string {
  const letters = 'bcdfghjklmnpqrstvwxz';
  return 'demo' + Array.from({ length: 6 }, () => letters[randomInt(letters.length)]).join('');
}

function check(condition: unknown, message: string): asserts condition {
  if (!condition) throw new StoryError(message);
}

const holdText = (ms: number) =>
  ms >= 86_400_000 ? `${+(ms / 86_400_000).toFixed(1)} days` : `${Math.round(ms / 1000)} s`;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The last two months that have ended: the first run pays the earlier, the next ("a month later") the later. */
export function defaultPeriods(now: Date): { deferred: PayPeriod; paid: PayPeriod } {
  const paid = payPeriodOf(now);
  return { deferred: payPeriodOf(payPeriodBounds(paid).start), paid };
}

export async function runMarketplaceStory(opts: StoryOptions): Promise<StoryResult> {
  const timeoutMs = opts.stepTimeoutMs ?? 180_000;
  const base = opts.baseUrl.replace(/\/$/, '');
  const periods = opts.periods ?? defaultPeriods(new Date());
  const log = opts.log;

  // --- HTTP -----------------------------------------------------------------------------------------------
  async function send(
    method: string,
    url: string,
    init: { token?: string; body?: unknown; form?: FormData; headers?: Record<string, string> } = {},
  ): Promise<Response> {
    for (;;) {
      const headers: Record<string, string> = { ...init.headers };
      if (init.token) headers.Authorization = `Bearer ${init.token}`;
      let body: FormData | string | undefined;
      if (init.form) body = init.form;
      else if (typeof init.body === 'string') body = init.body;
      else if (init.body !== undefined) {
        headers['Content-Type'] = 'application/json';
        body = JSON.stringify(init.body);
      }
      const res = await fetch(`${base}${url}`, { method, headers, body });
      // A rate limit is part of the system, not a failure of the story: wait as told and ask again.
      if (res.status === 429 && !init.form) {
        const wait = Number(res.headers.get('Retry-After') ?? '1');
        await res.arrayBuffer();
        await sleep(Math.max(1, Number.isFinite(wait) ? wait : 1) * 1000);
        continue;
      }
      return res;
    }
  }

  async function call(
    method: string,
    url: string,
    init: { token?: string; body?: unknown; form?: FormData } & { expect?: number[] } = {},
  ): Promise<Json> {
    const res = await send(method, url, init);
    const text = await res.text();
    const expected = init.expect ?? [200, 201, 202];
    if (!expected.includes(res.status)) {
      let detail = text.slice(0, 500);
      try {
        const problem = JSON.parse(text) as Json;
        detail = [problem.title, problem.detail].filter(Boolean).join(': ') || detail;
      } catch {
        // not JSON: the raw text says it
      }
      throw new StoryError(`${method} ${url} answered ${res.status} (${detail})`);
    }
    return text ? (JSON.parse(text) as Json) : {};
  }

  async function until<T>(
    what: string,
    probe: () => Promise<T | undefined>,
    intervalMs = 1000,
    limitMs = timeoutMs,
  ): Promise<T> {
    const deadline = Date.now() + limitMs;
    for (;;) {
      const value = await probe();
      if (value !== undefined) return value;
      if (Date.now() > deadline)
        throw new StoryError(`timed out after ${Math.round(limitMs / 1000)} s waiting for ${what}`);
      await sleep(intervalMs);
    }
  }

  /** Delivers a signed event as Stripe would; the API answers 200 once it is handed over. */
  async function deliverSigned(evt: SimulatedStripeEvent): Promise<string> {
    const { payload, signature } = signEvent(evt, opts.webhookSecret);
    const res = await send('POST', '/api/webhooks/stripe', {
      body: payload,
      headers: { 'Content-Type': 'application/json', 'Stripe-Signature': signature },
    });
    const text = await res.text();
    if (res.status === 401)
      throw new StoryError("the API refused the webhook signature: run the demo with the API's STRIPE_WEBHOOK_SECRET");
    check(res.status === 200, `POST /api/webhooks/stripe answered ${res.status} (${text.slice(0, 300)})`);
    return (JSON.parse(text) as Json).outcome as string;
  }

  async function register(role: 'instructor' | 'student', name: string): Promise<Session> {
    const email = `${role}-${Date.now().toString(36)}${randomInt(1e6).toString(36)}@demo.example`;
    const res = await call('POST', '/api/auth/register', {
      body: { email, password: PASSWORD, name, role },
      expect: [201],
    });
    return { id: res.user.id as string, email, token: res.token as string };
  }

  // --- the story ------------------------------------------------------------------------------------------
  const instructor = await register('instructor', 'Ada Lovelace');
  log(`instructor signed up: ${instructor.email}`);

  const searchWord = uniqueWord();
  const title = `Python for Data Science (${searchWord})`;
  const course = await call('POST', '/api/courses', {
    token: instructor.token,
    body: {
      title,
      description: 'NumPy, pandas and plotting, from the first notebook to a finished analysis.',
      category: 'data_science',
      difficultyLevel: 'beginner',
      pricingModel: 'one_time',
      priceCents: 7900,
    },
    expect: [201],
  });
  const courseId = course.id as string;
  check(
    course.status === 'draft' && course.priceCents === 7900,
    `new course is ${course.status} at ${course.priceCents} cents`,
  );
  log(`course created (draft): "${title}" at ${formatUsd(course.priceCents as number)}`);

  fs.mkdirSync(opts.videoDir, { recursive: true });
  const video = await makeTestVideo(opts.videoDir, { seconds: 4, width: 320, height: 240, fps: 10 });
  const previewLessons = 2;
  const uploaded: string[] = [];
  for (let i = 1; i <= 5; i++) {
    const form = new FormData();
    form.append(
      'title',
      `Lesson ${i}: ${['Notebooks', 'NumPy arrays', 'pandas frames', 'Plotting', 'A full analysis'][i - 1]}`,
    );
    form.append('isPreview', String(i <= previewLessons));
    form.append('video', await fs.openAsBlob(video, { type: 'video/mp4' }), path.basename(video));
    const lesson = await call('POST', `/api/courses/${courseId}/lessons`, {
      token: instructor.token,
      form,
      expect: [201],
    });
    uploaded.push(lesson.id as string);
    log(
      `lesson ${i}/5 uploaded${i <= previewLessons ? ' (free preview)' : ''}: ingest workflow ${ingestWorkflowId(lesson.id as string)}`,
    );
  }
  const lessons: StoryResult['lessons'] = [];
  for (const [i, lessonId] of uploaded.entries()) {
    const ready = await until(`lesson ${i + 1}'s ingest`, async () => {
      const l = await call('GET', `/api/courses/${courseId}/lessons/${lessonId}`, { token: instructor.token });
      if (l.video.status === 'failed')
        throw new StoryError(`lesson ${i + 1}'s ingest failed: ${l.video.failureReason}`);
      return l.video.status === 'ready' ? l : undefined;
    });
    lessons.push({
      id: lessonId,
      durationSeconds: ready.durationSeconds as number,
      ingestWorkflowId: ingestWorkflowId(lessonId),
    });
    log(`lesson ${i + 1}/5 ready: probed ${ready.durationSeconds} s, thumbnail and renditions in S3`);
  }

  const submitted = await call('POST', `/api/courses/${courseId}/publish`, { token: instructor.token });
  check(submitted.status === 'under_review', `submitted course is ${submitted.status}`);
  log('course submitted for review');
  const adminLogin = await call('POST', '/api/auth/login', { body: opts.admin, expect: [200] }).catch(
    (err: unknown) => {
      throw err instanceof StoryError
        ? new StoryError(
            `admin ${opts.admin.email} cannot sign in (${err.message}); create it with npm run create-admin`,
          )
        : err;
    },
  );
  check(adminLogin.user.role === 'admin', `${opts.admin.email} is a ${adminLogin.user.role}, not an admin`);
  const admin = adminLogin.token as string;
  const published = await call('POST', `/api/courses/${courseId}/publish`, { token: admin });
  check(published.status === 'published', `approved course is ${published.status}`);
  log('admin approved: course published');

  const alice = await register('student', 'Grace Hopper');
  log(`student signed up: ${alice.email}`);
  const found = await call('GET', `/api/search/courses?q=${encodeURIComponent(`python ${searchWord}`)}`);
  const hit = (found.courses as Json[]).find((c) => c.id === courseId);
  check(hit, `searching "python ${searchWord}" did not find the course (${found.total} results)`);
  log(
    `student searched "python ${searchWord}": found "${hit.title}" at ${formatUsd(hit.priceCents as number)} (${found.total} result${found.total === 1 ? '' : 's'})`,
  );

  const couponCode = opts.couponCode ?? 'PYTHON20';
  await call('POST', '/api/coupons', {
    token: instructor.token,
    body: { code: couponCode, courseId, discountType: 'percentage', discountValue: 20, maxUses: 100 },
    expect: [201],
  });
  log(`instructor created coupon ${couponCode} (20% off)`);
  const validated = await call('POST', '/api/coupons/validate', {
    token: alice.token,
    body: { code: couponCode, courseId },
  });
  log(
    `student validated ${couponCode}: ${formatUsd(validated.grossCents as number)} − ${formatUsd(validated.discountCents as number)} = ${formatUsd(validated.netCents as number)}`,
  );

  async function buy(student: Session, coupon?: string): Promise<SaleFigures> {
    const checkout = await call('POST', '/api/checkout/create', {
      token: student.token,
      body: { courseId, ...(coupon && { couponCode: coupon }) },
    });
    const transactionId = checkout.checkoutId as string;
    log(`checkout opened: Stripe session ${checkout.sessionId}, charging ${formatUsd(checkout.netCents as number)}`);
    const outcome = await deliverSigned(
      checkoutSessionEvent('checkout.session.completed', {
        sessionId: checkout.sessionId,
        transactionId,
        amountSubtotalCents: checkout.netCents,
      }),
    );
    check(outcome === 'handled', `the payment webhook was ${outcome}`);
    log('Stripe confirmed the payment (signed checkout.session.completed delivered)');
    const mine = await until(
      'the purchase to complete',
      async () => {
        const tx = await call('GET', `/api/transactions/${transactionId}`, { token: student.token });
        if (tx.status === 'failed') throw new StoryError(`the purchase failed: ${JSON.stringify(tx)}`);
        return tx.status === 'completed' ? tx : undefined;
      },
      500,
    );
    const theirs = await call('GET', `/api/transactions/${transactionId}`, { token: instructor.token });
    const sale: SaleFigures = {
      transactionId,
      // A fresh buyer's first attempt at the course (src/checkout/attempts.ts numbers attempts from 1).
      checkoutWorkflowId: checkoutWorkflowId(student.id, courseId, 1),
      escrowWorkflowId: escrowWorkflowId(transactionId),
      grossCents: mine.grossCents,
      discountCents: mine.discountCents,
      netCents: mine.netCents,
      instructorCents: theirs.revenue.instructorCents,
      platformCents: theirs.revenue.platformCents,
      stripeFeeCents: theirs.revenue.stripeFeeCents,
      completedAt: mine.completedAt,
      releaseAt: theirs.revenue.releaseAt,
    };
    log(
      `purchase completed: ${formatUsd(sale.netCents)} paid → instructor ${formatUsd(sale.instructorCents)} (held in escrow until ${sale.releaseAt}), ` +
        `platform ${formatUsd(sale.platformCents)}`,
    );
    return sale;
  }

  const discounted = await buy(alice, couponCode.toLowerCase());

  const learning = await call('GET', '/api/enrollments', { token: alice.token });
  const enrollment = (learning.items as Json[]).find((e) => e.course.id === courseId);
  check(enrollment && enrollment.status === 'active', 'the student is not enrolled after paying');
  log(`student enrolled (enrollment ${enrollment.id})`);
  const progress = await call('GET', `/api/enrollments/${enrollment.id}/progress`, { token: alice.token });
  for (const lesson of progress.lessons as Json[]) {
    await call('PUT', `/api/enrollments/${enrollment.id}/progress/${lesson.lessonId}`, {
      token: alice.token,
      body: { progressSeconds: lesson.durationSeconds },
    });
  }
  const watched = await call('GET', `/api/enrollments/${enrollment.id}/progress`, { token: alice.token });
  const completion = watched.enrollment.progress.completionPercent as number;
  check(completion >= 90, `watched every lesson but completion is ${completion}%`);
  log(`student watched all ${watched.enrollment.progress.totalLessons} lessons: ${completion}% complete`);

  const pdf = await send('GET', `/api/enrollments/${enrollment.id}/certificate`, { token: alice.token });
  const pdfBytes = Buffer.from(await pdf.arrayBuffer());
  check(
    pdf.status === 200 && pdfBytes.subarray(0, 5).toString('latin1') === '%PDF-',
    `certificate download answered ${pdf.status}`,
  );
  const certificateId = (await call('GET', `/api/enrollments/${enrollment.id}/progress`, { token: alice.token }))
    .enrollment.certificateId as string;
  const verified = await call('GET', `/api/certificates/${certificateId}`);
  log(
    `certificate downloaded: ${pdfBytes.length} bytes of PDF, verifiable at /api/certificates/${verified.id ?? certificateId}`,
  );

  const review = await call('POST', `/api/courses/${courseId}/reviews`, {
    token: alice.token,
    body: { rating: 5, reviewText: 'Clear, practical and well paced. The final analysis ties it all together.' },
    expect: [201],
  });
  log(`student reviewed the course: ${'★'.repeat(review.rating as number)}`);

  const connect = await call('POST', '/api/instructor/connect', { token: instructor.token });
  log(`instructor started Stripe Connect onboarding: account ${connect.accountId}`);
  check(
    (await deliverSigned(accountOnboardedEvent(connect.accountId as string))) === 'handled',
    'account.updated was not handled',
  );
  const connected = await call('GET', '/api/instructor/connect', { token: instructor.token });
  check(connected.transfersEnabled === true, 'the Connect account cannot receive transfers after account.updated');
  log('Stripe reported the account ready (signed account.updated): transfers enabled');

  const holdMs = Date.parse(discounted.releaseAt) - Date.parse(discounted.completedAt);
  if (holdMs > opts.maxHoldMs) {
    throw new StoryError(
      `the API holds instructor shares for ${holdText(holdMs)} (ESCROW_HOLD), too long to wait for. ` +
        'Restart the dev stack with a short hold, e.g. ESCROW_HOLD=20s npm run dev, and run the demo again.',
    );
  }

  async function released(sale: SaleFigures): Promise<void> {
    log(`waiting for the escrow hold of ${holdText(holdMs)} to pass (workflow ${sale.escrowWorkflowId}) …`);
    await until(
      `the escrow of ${sale.transactionId}`,
      async () => {
        const tx = await call('GET', `/api/transactions/${sale.transactionId}`, { token: instructor.token });
        return tx.revenue.status === 'payable' ? true : undefined;
      },
      1000,
      holdMs + timeoutMs,
    );
    log(`escrow released: ${formatUsd(sale.instructorCents)} payable`);
  }

  async function payoutRun(period: PayPeriod): Promise<PayoutRunFigures> {
    const run = await call('POST', '/api/admin/payout-runs', { token: admin, body: { period }, expect: [202] });
    log(`admin started the payout run for ${period}: ${run.workflowId}`);
    const done = await until(
      `payout run ${run.workflowId}`,
      async () => {
        const status = await call('GET', `/api/admin/payout-runs/${period}`, { token: admin });
        if (status.status === 'COMPLETED') return status;
        if (status.status !== 'RUNNING') throw new StoryError(`payout run ${run.workflowId} ended ${status.status}`);
        return undefined;
      },
      500,
    );
    const earnings = await call('GET', '/api/instructor/earnings', { token: instructor.token });
    return {
      period,
      workflowId: run.workflowId,
      temporalUiUrl: run.temporalUiUrl,
      availableAfterCents: earnings.breakdown.available.cents,
      paid: done.progress.paid,
      paidCents: done.progress.paidCents,
    };
  }

  const myPayouts = async () =>
    (await call('GET', '/api/instructor/payouts', { token: instructor.token })).payouts as Json[];

  await released(discounted);
  const deferredRun = await payoutRun(periods.deferred);
  check((await myPayouts()).length === 0, 'the instructor was paid although under the minimum');
  log(
    `payout run done: instructor deferred — ${formatUsd(deferredRun.availableAfterCents)} is under the $50.00 minimum and waits for a later month`,
  );

  const bob = await register('student', 'Alan Turing');
  log(`second student signed up: ${bob.email}`);
  const fullPrice = await buy(bob);
  await released(fullPrice);
  const before = await call('GET', '/api/instructor/earnings', { token: instructor.token });
  log(
    `instructor's available balance: ${formatUsd(before.breakdown.available.cents as number)} (due next run: ${before.dueNextRun})`,
  );

  const paidRunFigures = await payoutRun(periods.paid);
  const payouts = await myPayouts();
  check(payouts.length === 1, `the instructor has ${payouts.length} payouts, expected 1`);
  const [payout] = payouts;
  check(payout.status === 'completed' && payout.stripeTransferId, `the payout is ${payout.status}`);
  log(
    `payout run done: instructor paid ${formatUsd(payout.amount.cents as number)} in one transfer (${payout.stripeTransferId})`,
  );

  return {
    instructor: { id: instructor.id, email: instructor.email, connectAccountId: connect.accountId },
    students: [alice, bob].map(({ id, email }) => ({ id, email })),
    course: {
      id: courseId,
      title,
      priceCents: published.priceCents,
      status: published.status,
      searchWord,
      previewLessons,
    },
    lessons,
    coupon: { code: validated.code, validatedNetCents: validated.netCents },
    discounted,
    fullPrice,
    learning: {
      enrollmentId: enrollment.id,
      completionPercent: completion,
      certificateId,
      certificateBytes: pdfBytes.length,
      reviewId: review.id,
      rating: review.rating,
    },
    holdMs,
    deferredRun,
    paidRun: {
      ...paidRunFigures,
      payout: {
        id: payout.id,
        workflowId: payoutIds.instructorPayout(instructor.id, periods.paid),
        amountCents: payout.amount.cents,
        grossCents: payout.gross.cents,
        stripeTransferId: payout.stripeTransferId,
        status: payout.status,
      },
    },
    payoutCount: payouts.length,
  };
}
