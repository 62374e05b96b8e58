/**
 * `npm run test:rehearsal`: the production rehearsal (issue 15). Starts the production-shaped stack of its own
 * (src/stack/production.ts: the Temporal server on Postgres, versitygw, mailpit, stripe-mock, nginx in front of two
 * API processes, the core+payments and the media worker, NODE_ENV=production with generated secrets) and, through
 * nginx only:
 *
 *   1. plays the whole MKT-035 story (src/demo/marketplace-story.ts);
 *   2. opens courses for several instructors, sells each one seat and lets the escrow hold pass;
 *   3. starts a payout run and a second wave of sales, and while they are in flight: kill -9 of one API process,
 *      a rolling restart of the core worker (SIGTERM, grace time, new process), a restart of the Temporal server
 *      and a stop of the media worker in the middle of a transcode;
 *   4. checks the outcome: the ledger (src/ledger/check.ts), every buyer enrolled once, every instructor paid once,
 *      every e-mail in mailpit once (its API), /metrics of each process, and the Temporal visibility store on
 *      Postgres finding the workflows by their search attributes.
 *
 * Prints its figures (requests, retries, faults and recovery times, duplicates) and exits 1 on any failure.
 * A tsx script, not a Jest project: it is one long scenario on a stack of its own, bounded by REHEARSAL_TIMEOUT_MS.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { createOrPromoteAdmin } from '../../src/admin/accounts';
import { createKnex } from '../../src/db/knex';
import { defaultPeriods, runMarketplaceStory } from '../../src/demo/marketplace-story';
import { payPeriodBounds, payPeriodOf } from '../../src/domain/time';
import { checkLedger, formatLedgerReport } from '../../src/ledger/check';
import { makeTestVideo } from '../../src/media/test-pattern';
import { startProductionStack, type AppProcess, type ProductionStack } from '../../src/stack/production';
import { payoutIds } from '../../src/temporal/contracts/payouts';
import { searchAttributes } from '../../src/temporal/shared';
import { accountOnboardedEvent, checkoutSessionEvent, signEvent } from '../../src/webhooks/simulated-events';
import { RehearsalClient, RehearsalError } from './http-client';
import { waitFor } from '../support/wait-for';

const INSTRUCTORS = Number(process.env.REHEARSAL_INSTRUCTORS ?? 6);
/** Second-wave buyers per instructor (sold while the faults happen). */
const WAVE_BUYERS = Number(process.env.REHEARSAL_WAVE_BUYERS ?? 2);
const ESCROW_HOLD_S = 15;
const TIMEOUT_MS = Number(process.env.REHEARSAL_TIMEOUT_MS ?? 15 * 60_000);
const PASSWORD = 'the rehearsal password 2026';
const ADMIN = { email: 'rehearsal-admin@edustream.example', password: 'rehearsal admin password 2026', name: 'Ops' };
/** Stripe's webhook deliveries come from an address of their own. */
const STRIPE_IP = '127.0.0.250';

const started = Date.now();
/** The stack while it runs, for the signal handlers. */
const running: { stack?: ProductionStack } = {};
const elapsed = () => (Date.now() - started) / 1000;
const say = (line: string) => console.log(`[${elapsed().toFixed(1).padStart(6)}s] ${line}`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Fault {
  what: string;
  at: number;
  /** Seconds from the fault until the part was back (serving, polling) and the system made progress again. */
  recoveredAfter?: number;
  note?: string;
}

/** The tests' one polling helper, with the rehearsal's longer defaults (its steps wait on real restarts). */
const until = <T>(what: string, probe: () => Promise<T | undefined>, limitMs = 180_000, everyMs = 500): Promise<T> =>
  waitFor(probe, what, limitMs, everyMs);

async function main(): Promise<void> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'edustream-rehearsal-'));
  const videoDir = path.join(dataDir, 'videos');
  fs.mkdirSync(videoDir, { recursive: true });
  say(`starting the production stack in ${dataDir}`);
  const stack = await startProductionStack({
    dataDir,
    ports: 'free',
    log: (line) => say(`stack: ${line}`),
    appEnv: {
      ESCROW_HOLD: `${ESCROW_HOLD_S}s`,
      // A slow Stripe pace keeps the payout run in flight while the faults happen.
      STRIPE_REQUESTS_PER_SECOND: '0.5',
      LOG_LEVEL: 'info',
    },
  });
  running.stack = stack;
  const watchdog = setTimeout(() => {
    console.error(`rehearsal: over its ${TIMEOUT_MS / 1000}s bound; stopping`);
    void stack.stop().finally(() => process.exit(1));
  }, TIMEOUT_MS);
  let ok = false;
  try {
    say(`stack up in ${elapsed().toFixed(1)}s; the API through nginx: ${stack.url}`);
    for (const [name, url] of Object.entries(stack.urls)) say(`  ${name}: ${url}`);
    await rehearse(stack, videoDir);
    ok = true;
  } finally {
    clearTimeout(watchdog);
    await stack.stop();
    if (ok) fs.rmSync(dataDir, { recursive: true, force: true });
    else console.error(`rehearsal: logs kept in ${dataDir}/logs`);
  }
}

async function rehearse(stack: ProductionStack, videoDir: string): Promise<void> {
  const env = stack.env;
  const knex = createKnex(env.DATABASE_URL);
  const connection = await Connection.connect({ address: env.TEMPORAL_ADDRESS });
  const temporal = new Client({ connection, namespace: env.TEMPORAL_NAMESPACE });
  const client = new RehearsalClient(stack.url);
  const faults: Fault[] = [];
  try {
    // --- the operator's steps worked: every search attribute the code uses is registered by the setup script ---
    const registered = await connection.operatorService.listSearchAttributes({ namespace: env.TEMPORAL_NAMESPACE });
    const missing = Object.values(searchAttributes)
      .map((k) => k.name)
      .filter((name) => !(name in (registered.customAttributes ?? {})));
    assert.deepEqual(missing, [], `deploy/temporal-setup.sh does not register ${missing.join(', ')}`);
    say(`search attributes registered by deploy/temporal-setup.sh: ${Object.keys(searchAttributes).length}`);

    await createOrPromoteAdmin(knex, { ...ADMIN, resetPassword: true });

    // --- 1. the MKT-035 story through nginx ---
    const story = await runMarketplaceStory({
      baseUrl: stack.url,
      webhookSecret: env.STRIPE_WEBHOOK_SECRET,
      admin: ADMIN,
      videoDir,
      maxHoldMs: 60_000,
      log: (line) => say(`story: ${line}`),
    });
    say(`story done: ${story.paidRun.payout.amountCents} cents paid to the instructor in one transfer`);

    // --- 2. instructors, courses, a first sale each ---
    const admin = (await client.call('POST', '/api/auth/login', { from: '127.0.0.2', body: ADMIN })).json
      .token as string;
    const small = await makeTestVideo(videoDir, { seconds: 3, width: 320, height: 240, fps: 10 });
    let ipSeq = 10;
    const nextIp = () => {
      ipSeq++;
      return `127.0.${Math.floor(ipSeq / 250)}.${(ipSeq % 250) + 2}`;
    };
    const register = async (role: 'instructor' | 'student', name: string) => {
      const from = nextIp();
      const email = `${role}-${Date.now().toString(36)}-${ipSeq}@rehearsal.example`;
      const res = await client.call('POST', '/api/auth/register', {
        from,
        body: { email, password: PASSWORD, name, role },
        expect: [201, 409],
      });
      // A retried registration that the first attempt had already made: sign in instead.
      const session =
        res.status === 201
          ? res.json
          : (await client.call('POST', '/api/auth/login', { from, body: { email, password: PASSWORD } })).json;
      return { id: session.user.id as string, token: session.token as string, email, from };
    };
    const upload = async (token: string, courseId: string, title: string, file: string) => {
      for (let attempt = 1; ; attempt++) {
        const form = new FormData();
        form.append('title', title);
        form.append('isPreview', 'false');
        form.append('video', await fs.openAsBlob(file, { type: 'video/mp4' }), path.basename(file));
        client.stats.sent++;
        const res = await fetch(`${stack.url}/api/courses/${courseId}/lessons`, {
          method: 'POST',
          headers: { Authorization: `Bearer ${token}` },
          body: form,
        });
        const body = (await res.json()) as { id: string };
        if (res.status === 201) return body.id;
        if (attempt > 5 || ![502, 503, 504].includes(res.status))
          throw new RehearsalError(`lesson upload answered ${res.status}: ${JSON.stringify(body)}`);
        client.stats.retried++;
        await sleep(1000);
      }
    };
    const lessonState = async (token: string, courseId: string, lessonId: string) =>
      (await client.call('GET', `/api/courses/${courseId}/lessons/${lessonId}`, { from: '127.0.0.3', token })).json;
    const waitReady = (token: string, courseId: string, lessonId: string, limitMs = 240_000) =>
      until(
        `lesson ${lessonId} ready`,
        async () => {
          const l = await lessonState(token, courseId, lessonId);
          if (l.video.status === 'failed') throw new RehearsalError(`ingest failed: ${l.video.failureReason}`);
          return l.video.status === 'ready' ? l : undefined;
        },
        limitMs,
        1000,
      );

    const instructors = await Promise.all(
      Array.from({ length: INSTRUCTORS }, async (_, i) => {
        const who = await register('instructor', `Instructor ${i + 1}`);
        const course = await client.call('POST', '/api/courses', {
          from: who.from,
          token: who.token,
          idempotencyKey: `course-${who.id}`,
          body: {
            title: `Rehearsal course ${i + 1}`,
            description: 'A course sold during the production rehearsal.',
            category: 'data_science',
            difficultyLevel: 'beginner',
            pricingModel: 'one_time',
            priceCents: 7900,
          },
          expect: [201],
        });
        const courseId = course.json.id as string;
        // A course is published with three ready lessons at least.
        const lessonIds: string[] = [];
        for (let n = 1; n <= 3; n++) lessonIds.push(await upload(who.token, courseId, `Lesson ${n}`, small));
        for (const lessonId of lessonIds) await waitReady(who.token, courseId, lessonId);
        await client.call('POST', `/api/courses/${courseId}/publish`, { from: who.from, token: who.token });
        const published = await client.call('POST', `/api/courses/${courseId}/publish`, {
          from: '127.0.0.2',
          token: admin,
        });
        assert.equal(published.json.status, 'published');
        const connect = await client.call('POST', '/api/instructor/connect', { from: who.from, token: who.token });
        await deliver(client, env, accountOnboardedEvent(connect.json.accountId as string));
        return { ...who, courseId };
      }),
    );
    say(`${instructors.length} instructors with a published course and a Connect account`);

    interface Sale {
      buyerId: string;
      courseId: string;
      instructorId: string;
      transactionId: string;
      completedAt?: number;
    }
    const sales: Sale[] = [];
    const sell = async (instructor: (typeof instructors)[number]): Promise<Sale> => {
      const buyer = await register('student', 'Buyer');
      const checkout = await client.call('POST', '/api/checkout/create', {
        from: buyer.from,
        token: buyer.token,
        idempotencyKey: `checkout-${buyer.id}-${instructor.courseId}`,
        body: { courseId: instructor.courseId },
      });
      const sale: Sale = {
        buyerId: buyer.id,
        courseId: instructor.courseId,
        instructorId: instructor.id,
        transactionId: checkout.json.checkoutId,
      };
      sales.push(sale);
      await deliver(
        client,
        env,
        checkoutSessionEvent('checkout.session.completed', {
          sessionId: checkout.json.sessionId,
          transactionId: sale.transactionId,
          amountSubtotalCents: checkout.json.netCents,
        }),
      );
      await until(
        `sale ${sale.transactionId}`,
        async () => {
          const tx = await client.call('GET', `/api/transactions/${sale.transactionId}`, {
            from: buyer.from,
            token: buyer.token,
          });
          if (tx.json.status === 'failed') throw new RehearsalError(`sale ${sale.transactionId} failed`);
          return tx.json.status === 'completed' ? true : undefined;
        },
        240_000,
      );
      sale.completedAt = Date.now();
      return sale;
    };
    await Promise.all(instructors.map((i) => sell(i)));
    say(`first wave: ${instructors.length} sales completed; waiting for the ${ESCROW_HOLD_S}s escrow hold`);
    await until(
      'the first wave to become payable',
      async () => {
        const row = await knex('revenue_records')
          .whereIn(
            'instructor_id',
            instructors.map((i) => i.id),
          )
          .whereNot('status', 'payable')
          .count<{ count: string }[]>('* as count')
          .first();
        return Number(row?.count) === 0 ? true : undefined;
      },
      120_000,
      1000,
    );

    // --- 3. a payout run and a second wave of sales, with faults ---
    const { deferred } = defaultPeriods(new Date());
    const period = payPeriodOf(payPeriodBounds(deferred).start);
    const faultStart = Date.now();
    const at = () => (Date.now() - faultStart) / 1000;
    const run = await client.call('POST', '/api/admin/payout-runs', {
      from: '127.0.0.2',
      token: admin,
      body: { period },
      expect: [202],
    });
    say(`payout run for ${period} started (${run.json.workflowId}); second wave of sales under way`);
    const long = await makeTestVideo(videoDir, { seconds: 40, width: 640, height: 360, fps: 25 });
    const mediaLesson = await upload(instructors[0].token, instructors[0].courseId, 'Lesson 4 (long)', long);
    const secondWave = (async () => {
      const queue = instructors.flatMap((i) => Array.from({ length: WAVE_BUYERS }, () => i));
      const runners = Array.from({ length: 4 }, async () => {
        for (let next = queue.shift(); next; next = queue.shift()) await sell(next);
      });
      await Promise.all(runners);
    })();
    // Awaited below; observed now so that a failure meanwhile cannot end the process before the stack is stopped.
    secondWave.catch(() => undefined);
    const progressAfter = async (since: number) =>
      until(
        'a sale completed after the fault',
        async () => (sales.some((s) => (s.completedAt ?? 0) > since) ? true : undefined),
        240_000,
        200,
      ).catch(() => undefined);

    // The media fault waits for ffmpeg to be at work, alongside the others.
    const mediaFault = (async () => {
      const seen = await until(
        'the long lesson to be transcoding',
        async () => {
          const l = await lessonState(instructors[0].token, instructors[0].courseId, mediaLesson);
          return l.processing?.stage === 'transcoding' ? l.processing : undefined;
        },
        180_000,
        250,
      );
      const fault: Fault = { what: 'media worker stopped mid-transcode (SIGTERM, new process)', at: at() };
      faults.push(fault);
      say(`fault: ${fault.what} at ${seen.percent}% of the ingest`);
      const t = Date.now();
      const stopping = stack.mediaWorker.stop(30_000);
      await stopping;
      const stoppedAfter = (Date.now() - t) / 1000;
      await stack.mediaWorker.start();
      await waitReady(instructors[0].token, instructors[0].courseId, mediaLesson, 300_000);
      fault.recoveredAfter = (Date.now() - t) / 1000;
      fault.note = `old worker exited after ${stoppedAfter.toFixed(1)}s; the lesson became ready`;
    })();
    mediaFault.catch(() => undefined);

    const inject = async (what: string, action: () => Promise<void>) => {
      const fault: Fault = { what, at: at() };
      faults.push(fault);
      say(`fault: ${what}`);
      const t = Date.now();
      await action();
      await progressAfter(Date.now());
      fault.recoveredAfter = (Date.now() - t) / 1000;
      say(`recovered from "${what}" in ${fault.recoveredAfter.toFixed(1)}s`);
    };
    await sleep(1000);
    const [api1] = stack.apis;
    await inject('kill -9 of api-1 (nginx routes to api-2; api-1 restarted)', async () => {
      const t = Date.now();
      await api1.kill();
      await client.call('GET', '/readyz', { from: '127.0.0.4' });
      const routedAround = (Date.now() - t) / 1000;
      await sleep(3000);
      await api1.start();
      faults[faults.length - 1].note = `nginx answered through api-2 ${routedAround.toFixed(2)}s after the kill`;
    });
    await sleep(1000);
    await inject('rolling restart of the core worker (SIGTERM, grace time, new process)', () =>
      restart(stack.coreWorker),
    );
    await sleep(1000);
    await inject('restart of the Temporal server', () => stack.temporal.restart!());

    await secondWave;
    await mediaFault;
    let lastReport = 0;
    const runDone = await until(
      `payout run ${period}`,
      async () => {
        const status = await client.call('GET', `/api/admin/payout-runs/${period}`, {
          from: '127.0.0.2',
          token: admin,
        });
        if (Date.now() - lastReport > 15_000) {
          lastReport = Date.now();
          say(`payout run ${period}: ${status.json.status} ${JSON.stringify(status.json.progress)}`);
        }
        if (status.json.status === 'COMPLETED') return status.json;
        if (status.json.status !== 'RUNNING') throw new RehearsalError(`payout run ended ${status.json.status}`);
        return undefined;
      },
      240_000,
      1000,
    );
    // How long it ran, as Temporal recorded it (the polling above may see it late).
    const described = await temporal.workflow.getHandle(run.json.workflowId as string).describe();
    const runSeconds = ((described.closeTime?.getTime() ?? Date.now()) - described.startTime.getTime()) / 1000;
    say(`payout run ${period} completed in ${runSeconds.toFixed(1)}s: ${runDone.progress.paid} paid`);

    // --- 4. the outcome ---
    const report = await checkLedger(knex, {});
    assert.ok(report.ok, `ledger check failed:\n${formatLedgerReport(report)}`);
    say('ledger check: ok');

    const doubled = await knex('enrollments')
      .select('student_id', 'course_id')
      .count<{ count: string }[]>('* as count')
      .groupBy('student_id', 'course_id')
      .havingRaw('count(*) > 1');
    const enrolled = await knex('enrollments')
      .whereIn(
        'student_id',
        sales.map((s) => s.buyerId),
      )
      .where({ status: 'active' })
      .select('student_id', 'course_id');
    const missingEnrollments = sales.filter(
      (s) => !enrolled.some((e) => e.student_id === s.buyerId && e.course_id === s.courseId),
    );
    assert.equal(missingEnrollments.length, 0, `${missingEnrollments.length} buyers are not enrolled`);
    const doubledSales = await knex('transactions')
      .select('buyer_id', 'course_id')
      .where({ status: 'completed' })
      .count<{ count: string }[]>('* as count')
      .groupBy('buyer_id', 'course_id')
      .havingRaw('count(*) > 1');

    const payouts = await knex('instructor_payouts')
      .whereIn(
        'instructor_id',
        instructors.map((i) => i.id),
      )
      .select('instructor_id', 'status');
    const paidTwice = instructors.filter((i) => payouts.filter((p) => p.instructor_id === i.id).length > 1);
    const unpaid = instructors.filter(
      (i) => payouts.filter((p) => p.instructor_id === i.id && p.status === 'completed').length !== 1,
    );
    assert.equal(
      unpaid.length,
      0,
      `${unpaid.length} instructors were not paid exactly once: ${JSON.stringify(payouts)}`,
    );
    const storyPayouts = await knex('instructor_payouts')
      .where({ instructor_id: story.instructor.id })
      .count<{ count: string }[]>('* as count');
    assert.equal(Number(storyPayouts[0].count), 1, "the story's instructor was paid more than once");

    const mail = await checkMail(knex, stack.mailpitApi);
    const metrics = await checkMetrics([...stack.apis, stack.coreWorker, stack.mediaWorker]);
    const visibility = await checkVisibility(
      temporal,
      period,
      sales,
      instructors.map((i) => i.id),
    );

    const duplicates = doubled.length + doubledSales.length + paidTwice.length + mail.duplicates;
    assert.equal(duplicates, 0, 'duplicates found');
    printFigures({
      client,
      faults,
      runSeconds,
      sales: sales.length,
      instructors: instructors.length,
      duplicates,
      mail,
      metrics,
      visibility,
    });
  } finally {
    await connection.close();
    await knex.destroy();
  }
}

/** The core worker's rolling restart: SIGTERM (it finishes in-flight tasks within its grace time), then a new one. */
async function restart(worker: AppProcess): Promise<void> {
  await worker.stop(60_000);
  await worker.start();
}

async function deliver(
  client: RehearsalClient,
  env: Record<string, string>,
  evt: Parameters<typeof signEvent>[0],
): Promise<void> {
  const { payload, signature } = signEvent(evt, env.STRIPE_WEBHOOK_SECRET);
  const res = await client.call('POST', '/api/webhooks/stripe', {
    from: STRIPE_IP,
    raw: payload,
    headers: { 'Content-Type': 'application/json', 'Stripe-Signature': signature },
  });
  assert.ok(['handled', 'duplicate'].includes(res.json.outcome), `webhook outcome ${res.json.outcome}`);
}

interface MailFigures {
  sent: number;
  received: number;
  duplicates: number;
}

/** Every notification the outbox marked sent is in mailpit exactly once (same recipient, subject and body). */
async function checkMail(knex: ReturnType<typeof createKnex>, mailpit: string): Promise<MailFigures> {
  await until(
    'the notifications outbox to drain',
    async () => {
      const pending = await knex('notifications').whereNull('sent_at').count<{ count: string }[]>('* as count');
      return Number(pending[0].count) === 0 ? true : undefined;
    },
    120_000,
    1000,
  );
  const sent = await knex('notifications').whereNotNull('sent_at').count<{ count: string }[]>('* as count');
  const messages: { ID: string; To: { Address: string }[]; Subject: string }[] = [];
  for (let start = 0; ; start += 500) {
    const page = (await (await fetch(`${mailpit}/api/v1/messages?limit=500&start=${start}`)).json()) as {
      messages: typeof messages;
      total: number;
    };
    messages.push(...page.messages);
    if (messages.length >= page.total || page.messages.length === 0) break;
  }
  const seen = new Map<string, number>();
  for (const m of messages) {
    const text = (await (await fetch(`${mailpit}/api/v1/message/${m.ID}`)).json()) as { Text: string };
    const key = `${m.To.map((t) => t.Address).join(',')}|${m.Subject}|${text.Text}`;
    seen.set(key, (seen.get(key) ?? 0) + 1);
  }
  const duplicates = [...seen.values()].filter((n) => n > 1).length;
  const figures = { sent: Number(sent[0].count), received: messages.length, duplicates };
  assert.equal(figures.received, figures.sent, `mailpit holds ${figures.received} messages for ${figures.sent} sent`);
  say(`mail: ${figures.sent} notifications sent, ${figures.received} in mailpit, ${duplicates} duplicated`);
  return figures;
}

/** /metrics of each process: every one answers, with the traffic it served. */
async function checkMetrics(processes: AppProcess[]): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const p of processes) {
    if (!p.metricsUrl) continue;
    const res = await fetch(p.metricsUrl).catch(() => undefined);
    assert.ok(res?.ok, `${p.name}: ${p.metricsUrl} answered ${res?.status ?? 'nothing'}`);
    const text = await res.text();
    const series = text.split('\n').filter((l) => l && !l.startsWith('#')).length;
    assert.ok(series > 0, `${p.name} /metrics is empty`);
    out[p.name] = `${series} samples`;
  }
  say(`metrics: ${JSON.stringify(out)}`);
  return out;
}

/** The Temporal server's visibility store (Postgres) answers queries on our search attributes. */
async function checkVisibility(
  temporal: Client,
  period: string,
  sales: { transactionId: string }[],
  instructorIds: string[],
): Promise<Record<string, number>> {
  const count = async (query: string) => (await temporal.workflow.count(query)).count;
  const figures: Record<string, number> = {};
  figures[`EduPayoutPeriod = '${period}'`] = await count(`EduPayoutPeriod = '${period}'`);
  assert.ok(figures[`EduPayoutPeriod = '${period}'`] >= 1, `no workflow found for payout period ${period}`);
  let byTransaction = 0;
  for (const s of sales) if ((await count(`EduTransactionId = '${s.transactionId}'`)) >= 1) byTransaction++;
  figures['sales found by EduTransactionId'] = byTransaction;
  assert.equal(byTransaction, sales.length, 'some sales are not found by EduTransactionId');
  let byInstructor = 0;
  for (const id of instructorIds) if ((await count(`EduInstructorId = '${id}'`)) >= 1) byInstructor++;
  figures['instructors found by EduInstructorId'] = byInstructor;
  assert.equal(byInstructor, instructorIds.length, 'some instructors are not found by EduInstructorId');
  const payout = payoutIds.instructorPayout(instructorIds[0], period);
  figures[`payout ${payout} by WorkflowId`] = await count(`WorkflowId = '${payout}'`);
  say(`visibility: ${JSON.stringify(figures)}`);
  return figures;
}

function printFigures(f: {
  client: RehearsalClient;
  runSeconds: number;
  faults: Fault[];
  sales: number;
  instructors: number;
  duplicates: number;
  mail: MailFigures;
  metrics: Record<string, string>;
  visibility: Record<string, number>;
}): void {
  const s = f.client.stats;
  console.log(
    [
      '',
      'Rehearsal figures',
      `  requests sent through nginx   ${s.sent}`,
      `  requests that failed, retried ${s.retriedCalls} (all answered in the end; ${s.retried} retry attempts: ${JSON.stringify(s.retryReasons)})`,
      `  rate-limit waits (429)        ${s.rateLimited}`,
      `  sales                         ${f.sales} (+ 2 in the story), ${f.instructors} instructors paid once each`,
      `  e-mails                       ${f.mail.sent} sent, ${f.mail.received} received in mailpit`,
      `  duplicates found              ${f.duplicates}`,
      `  payout run                    ran ${f.runSeconds.toFixed(1)}s (start to close, as Temporal recorded it)`,
      '  faults (seconds after the payout run started; recovery = part back and the system progressing again)',
      ...f.faults.map(
        (x) =>
          `    t+${x.at.toFixed(1).padStart(5)}s  ${x.what}: recovered in ${x.recoveredAfter?.toFixed(1) ?? '?'}s${x.note ? ` (${x.note})` : ''}`,
      ),
      `  metrics                       ${JSON.stringify(f.metrics)}`,
      `  visibility queries            ${JSON.stringify(f.visibility)}`,
      `  total time                    ${elapsed().toFixed(1)}s`,
      '',
    ].join('\n'),
  );
}

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  // The stack's processes must not outlive the rehearsal; a second signal exits at once.
  process.once(signal, () => {
    console.error(`rehearsal: ${signal}, stopping the stack`);
    process.once(signal, () => process.exit(1));
    void (running.stack?.stop() ?? Promise.resolve()).finally(() => process.exit(1));
  });
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(`rehearsal FAILED: ${err instanceof Error ? err.message : String(err)}`);
    if (err instanceof Error && !(err instanceof RehearsalError)) console.error(err.stack);
    process.exit(1);
  },
);
