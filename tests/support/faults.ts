/**
 * The fault tests' harness (tests/faults): a system of their own — one worker process, the API in this
 * process, Stripe behind the fault-injecting proxy — clients that retry the way real ones do, and the counts
 * that prove nothing happened twice.
 */
import { randomUUID } from 'node:crypto';
import type { Knex } from 'knex';
import type { Response, Test } from 'supertest';
import { problemTypes } from '../../src/problems/http-problem';
import { loadConfig, type Config } from '../../src/config';
import { checkLedger, type LedgerReport } from '../../src/ledger/check';
import { startEphemeralSystem, type EphemeralSystem } from '../../src/stack/ephemeral';
import type { PayoutRunProgress } from '../../src/temporal/contracts/payouts';
import { startTestApi, type TestApi } from './api';
import { checkoutOutcome, type CheckoutAnswer } from './checkout';
import { waitFor } from './escrow';
import { startFaultProxy, type FaultProxy, type FaultRates } from './fault-proxy';
import type { FixtureUser } from './fixtures';
import { checkoutSessionEvent, deliver } from './stripe-webhooks';

/** The Stripe client's timeout in these systems: a hung request costs this long instead of the default 20 s. */
export const STRIPE_TIMEOUT_MS = 1500;
/** Clients honour Retry-After up to this long (a refund's 503 asks for 30 s; a client may come back sooner). */
const MAX_RETRY_WAIT_MS = 2000;

/** What the clients of a scenario sent and got: per operation (checkout, webhook, refund, …), the statuses. */
export interface Traffic {
  requests: number;
  retried: number;
  statuses: Record<string, Record<number, number>>;
  /** The distinct problem details of each operation's 5xx answers: what a client was told while things were down. */
  outageDetails: Record<string, string[]>;
}

/** How often `operation` was answered `status`. */
export const answered = (traffic: Traffic, operation: string, status: number): number =>
  traffic.statuses[operation]?.[status] ?? 0;

/** Answers that must never happen whatever fails behind the API: server errors other than 503 "retry". */
export function serverErrors(traffic: Traffic): string[] {
  return Object.entries(traffic.statuses).flatMap(([operation, statuses]) =>
    Object.keys(statuses)
      .map(Number)
      .filter((status) => status >= 500 && status !== 503)
      .map((status) => `${operation}: ${status} ×${statuses[status]}`),
  );
}

export interface FaultSystem {
  system: EphemeralSystem;
  proxy: FaultProxy;
  t: TestApi;
  knex: Knex;
  config: Config;
  traffic: Traffic;
  close(): Promise<void>;
}

export interface FaultSystemOptions extends Partial<FaultRates> {
  seed?: number;
  /** What the system reuses (default process.env: the services the global setup provides). */
  baseEnv?: NodeJS.ProcessEnv;
  /** Settings of this system's API and worker. */
  env?: NodeJS.ProcessEnv;
}

/** A system of the scenario's own, its Stripe requests passing through the fault proxy (no faults unless asked). */
export async function startFaultSystem(name: string, options: FaultSystemOptions = {}): Promise<FaultSystem> {
  const target = process.env.STRIPE_API_BASE;
  if (!target) throw new Error('STRIPE_API_BASE is not set: the fault proxy needs stripe-mock behind it');
  const proxy = await startFaultProxy({
    target,
    errorRate: options.errorRate ?? 0,
    timeoutRate: options.timeoutRate ?? 0,
    lostReplyRate: options.lostReplyRate ?? 0,
    hangMs: 3 * STRIPE_TIMEOUT_MS,
    seed: options.seed,
  });
  const log = (line: string) => process.stderr.write(`[faults:${name}] ${line}\n`);
  let system: EphemeralSystem | undefined;
  try {
    system = await startEphemeralSystem(options.baseEnv ?? process.env, log, {
      NODE_ENV: 'test',
      RATE_LIMITS_ENABLED: 'false',
      STRIPE_API_BASE: proxy.url,
      STRIPE_TIMEOUT_MS: String(STRIPE_TIMEOUT_MS),
      ...options.env,
    });
    // The API's expected 503s would fill the test output; the figures line and the worker's log tell the story.
    const t = await startTestApi({ env: { ...system.env, LOG_LEVEL: process.env.FAULTS_API_LOG_LEVEL ?? 'fatal' } });
    const running = system;
    log(`ready (logs: ${system.dataDir}/logs)`);
    return {
      system,
      proxy,
      t,
      knex: t.deps.knex,
      config: loadConfig(system.env),
      traffic: { requests: 0, retried: 0, statuses: {}, outageDetails: {} },
      async close() {
        await t.close();
        await running.stop();
        await proxy.close();
      },
    };
  } catch (err) {
    await system?.stop();
    await proxy.close();
    throw err;
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Counts an answer to `operation` in the scenario's traffic; returns it. */
export function counted(traffic: Traffic, operation: string, res: Response): Response {
  traffic.requests++;
  const statuses = (traffic.statuses[operation] ??= {});
  statuses[res.status] = (statuses[res.status] ?? 0) + 1;
  if (res.status >= 500) {
    const details = (traffic.outageDetails[operation] ??= []);
    const detail = String(res.body?.detail);
    if (!details.includes(detail)) details.push(detail);
  }
  return res;
}

/**
 * Sends a request until its answer is final, as a well-behaved client does: a 503, a 409 "your earlier
 * request with this Idempotency-Key is still running", and whatever `alsoRetry` accepts are sent again after
 * their Retry-After (capped); anything else is the answer.
 */
export async function untilFinal(
  traffic: Traffic,
  operation: string,
  send: () => Test,
  options: { alsoRetry?: (res: Response) => boolean; deadlineMs?: number } = {},
): Promise<Response> {
  const deadline = Date.now() + (options.deadlineMs ?? 150_000);
  for (let attempt = 1; ; attempt++) {
    const res = counted(traffic, operation, await send());
    const retry =
      res.status === 503 ||
      (res.status === 409 && res.body?.type === problemTypes.idempotencyInProgress) ||
      options.alsoRetry?.(res) === true;
    if (!retry) return res;
    if (Date.now() > deadline) throw new Error(`${res.status} after ${attempt} attempts: ${JSON.stringify(res.body)}`);
    traffic.retried++;
    const retryAfter = Number(res.headers['retry-after']);
    await sleep(Math.min(Number.isFinite(retryAfter) ? retryAfter * 1000 : 1000, MAX_RETRY_WAIT_MS));
  }
}

export interface Sale {
  buyer: FixtureUser;
  buyerId: string;
  courseId: string;
  transactionId: string;
}

/** `POST /api/checkout/create` as a buyer's client sends it: one Idempotency-Key across its retries. */
export async function openCheckout(f: FaultSystem, buyer: FixtureUser, courseId: string): Promise<CheckoutAnswer> {
  const key = randomUUID();
  const created = await untilFinal(f.traffic, 'checkout', () =>
    f.t.request.post('/api/checkout/create').set(buyer.auth).set('Idempotency-Key', key).send({ courseId }),
  );
  if (created.status !== 201 && created.status !== 200)
    throw new Error(`checkout: ${created.status} ${JSON.stringify(created.body)}`);
  return created.body as CheckoutAnswer;
}

/**
 * Stripe telling us the buyer paid: the signed `checkout.session.completed`, delivered until acknowledged
 * (Stripe redelivers the same event). Returns the checkout attempt; its workflow records the sale (`purchased`).
 */
export async function completePayment(f: FaultSystem, checkout: CheckoutAnswer): Promise<string> {
  const paid = checkoutSessionEvent('checkout.session.completed', {
    sessionId: checkout.sessionId,
    transactionId: checkout.checkoutId,
    amountSubtotalCents: checkout.netCents,
  });
  const ack = await untilFinal(f.traffic, 'webhook', () => deliver(f.t.request, paid));
  if (ack.status !== 200) throw new Error(`webhook: ${ack.status} ${JSON.stringify(ack.body)}`);
  return checkout.checkoutId;
}

/** The sale a paid checkout attempt recorded, once its workflow has finished. */
export async function purchased(
  f: FaultSystem,
  buyer: FixtureUser,
  courseId: string,
  checkoutId: string,
): Promise<Sale> {
  const outcome = await checkoutOutcome(f.t, checkoutId);
  if (outcome.status !== 'completed') throw new Error(`checkout ${checkoutId} ended ${JSON.stringify(outcome)}`);
  return { buyer, buyerId: buyer.id, courseId, transactionId: outcome.transactionId };
}

/** A whole purchase: checkout, payment, the recorded sale. */
export async function buy(f: FaultSystem, buyer: FixtureUser, courseId: string): Promise<Sale> {
  return purchased(f, buyer, courseId, await completePayment(f, await openCheckout(f, buyer, courseId)));
}

/** How many times activities of `type` were retried in these workflows (the attempt that finished, minus one). */
export async function activityRetries(f: FaultSystem, workflowIds: string[], type: string): Promise<number> {
  let retries = 0;
  for (const id of workflowIds) {
    const history = await f.t.deps.temporal.workflow.getHandle(id).fetchHistory();
    const scheduled = new Map<string, string>();
    for (const event of history.events ?? []) {
      const name = event.activityTaskScheduledEventAttributes?.activityType?.name;
      if (name) scheduled.set(String(event.eventId), name);
      const started = event.activityTaskStartedEventAttributes;
      if (started && scheduled.get(String(started.scheduledEventId)) === type) retries += (started.attempt ?? 1) - 1;
    }
  }
  return retries;
}

/** `kill -9` of the system's worker process (no draining, no goodbye); resolves once it is gone. */
export async function killWorker(f: FaultSystem): Promise<void> {
  const worker = f.system.worker;
  const exited = new Promise((resolve) => worker.once('exit', resolve));
  worker.kill('SIGKILL');
  await exited;
}

/** The environment without DATABASE_URL: a system started from it runs a Postgres of its own. */
export function withoutDatabase(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(env).filter(([name]) => name !== 'DATABASE_URL'));
}

/** Waits until the sales' instructor shares are payable (their escrow hold, short in these systems, is over). */
export async function sharesReleased(f: FaultSystem, sales: Pick<Sale, 'transactionId'>[]): Promise<void> {
  const ids = sales.map((s) => s.transactionId);
  await waitFor(
    async () => {
      const payable = await f
        .knex('revenue_records')
        .whereIn('transaction_id', ids)
        .where({ status: 'payable' })
        .count<{ n: number }>('* as n')
        .first();
      return payable?.n === ids.length || undefined;
    },
    `${ids.length} shares to be released`,
    60_000,
  );
}

/** Starts the period's payout run as an operator does (`POST /api/admin/payout-runs`); returns its workflow id. */
export async function startPayoutRun(f: FaultSystem, admin: FixtureUser, period: string): Promise<string> {
  const res = await untilFinal(f.traffic, 'payout-run', () =>
    f.t.request.post('/api/admin/payout-runs').set(admin.auth).send({ period }),
  );
  if (res.status !== 202) throw new Error(`payout run: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body.workflowId as string;
}

/** The run's result, once it (and every continue-as-new run after it) has finished. */
export function payoutRunResult(f: FaultSystem, workflowId: string): Promise<PayoutRunProgress> {
  return f.t.deps.temporal.workflow.getHandle(workflowId).result() as Promise<PayoutRunProgress>;
}

const refundProblem = (code: string) => `urn:edustream:problem:${code}`;

/**
 * `POST /api/transactions/:id/refund` until it is done. A 409 "in progress" is a refund still running (the
 * answer to an earlier request was a 503): asked again later. A 409 "already refunded" is that refund done.
 */
export async function refund(f: FaultSystem, actor: FixtureUser, transactionId: string): Promise<void> {
  const key = randomUUID();
  const res = await untilFinal(
    f.traffic,
    'refund',
    () =>
      f.t.request
        .post(`/api/transactions/${transactionId}/refund`)
        .set(actor.auth)
        .set('Idempotency-Key', key)
        .send({ reason: 'fault test' }),
    { alsoRetry: (r) => r.status === 409 && r.body?.type === refundProblem('refund-in-progress') },
  );
  const done = res.status === 200 || (res.status === 409 && res.body?.type === refundProblem('already-refunded'));
  if (!done) throw new Error(`refund of ${transactionId}: ${res.status} ${JSON.stringify(res.body)}`);
}

/** Stripe POSTs that reached Stripe, per idempotency key, for one endpoint. */
export function forwardedKeys(proxy: FaultProxy, path: string): Map<string, number> {
  const keys = new Map<string, number>();
  for (const request of proxy.forwarded) {
    if (request.method !== 'POST' || request.path !== path) continue;
    const key = request.idempotencyKey ?? '(none)';
    keys.set(key, (keys.get(key) ?? 0) + 1);
  }
  return keys;
}

export interface Doubled {
  what: string;
  key: string;
  count: number;
}

export interface Expected {
  sales: Pick<Sale, 'buyerId' | 'courseId' | 'transactionId'>[];
  /** Transactions refunded through the API. */
  refunded?: string[];
  /** Instructors paid for `period`. */
  payouts?: { period: string; instructorIds: string[] };
}

/**
 * Everything that must exist once per business key, and the count found where it is not one: per sale its
 * transaction, enrollment, revenue record and purchase audit, and one Checkout Session at Stripe; per refunded
 * sale its refund audit and one Stripe refund; per instructor and period one completed payout and one Stripe
 * transfer. At Stripe, requests are grouped by idempotency key, each derived from the business key: the same
 * key twice is one object (Stripe answers a retry with the first result), two keys for one object are two.
 * `[]` when nothing was doubled (or lost).
 */
export async function findDoubled(f: FaultSystem, expected: Expected): Promise<Doubled[]> {
  const { knex } = f;
  const { sales, refunded = [], payouts } = expected;
  const ids = sales.map((s) => s.transactionId);
  const found: Doubled[] = [];
  const expectOne = (what: string, counts: Map<string, number>, keys: string[]) => {
    for (const key of keys) if (counts.get(key) !== 1) found.push({ what, key, count: counts.get(key) ?? 0 });
    for (const [key, count] of counts) if (!keys.includes(key)) found.push({ what, key, count });
  };
  const countBy = async (query: Knex.QueryBuilder, key: string): Promise<Map<string, number>> => {
    const rows = (await query
      .select(knex.raw(`${key} as key`))
      .count('* as n')
      .groupByRaw(key)) as unknown as { key: string; n: number }[];
    return new Map(rows.map((r) => [r.key, Number(r.n)]));
  };
  const buyers = [...new Set(sales.map((s) => s.buyerId))];
  const pairKey = (s: { buyerId: string; courseId: string }) => `${s.buyerId}/${s.courseId}`;

  expectOne(
    'sale per buyer and course',
    await countBy(
      knex('transactions').whereIn('buyer_id', buyers).whereIn('status', ['completed', 'refunded']),
      `buyer_id || '/' || course_id`,
    ),
    sales.map(pairKey),
  );
  expectOne(
    'enrollment per buyer and course',
    await countBy(knex('enrollments').whereIn('student_id', buyers), `student_id || '/' || course_id`),
    sales.map(pairKey),
  );
  expectOne(
    'revenue record per sale',
    await countBy(knex('revenue_records').whereIn('transaction_id', ids), 'transaction_id::text'),
    ids,
  );
  expectOne(
    'purchase audit per sale',
    await countBy(
      knex('transaction_audit_logs').whereIn('transaction_id', ids).where({ action: 'purchase' }),
      'transaction_id::text',
    ),
    ids,
  );
  expectOne(
    'refunded sale',
    await countBy(knex('transactions').whereIn('id', ids).where({ status: 'refunded' }), 'id::text'),
    refunded,
  );
  expectOne(
    'refund audit per refunded sale',
    await countBy(
      knex('transaction_audit_logs').whereIn('transaction_id', ids).where({ action: 'refund_processed' }),
      'transaction_id::text',
    ),
    refunded,
  );

  // At Stripe: the same key twice is one object (Stripe replays the first answer); two keys for one sale are two.
  const keyed = (prefix: string, path: string) => {
    const perSale = new Map<string, number>();
    for (const key of forwardedKeys(f.proxy, path).keys()) {
      const sale = key.startsWith(prefix) ? key.slice(prefix.length) : `unexpected key ${key}`;
      perSale.set(sale, (perSale.get(sale) ?? 0) + 1);
    }
    return perSale;
  };
  const attempts = (await knex('transactions').whereIn('id', ids).pluck('id')) as string[];
  expectOne('Stripe Checkout Session per sale', keyed('checkout-session:', '/v1/checkout/sessions'), attempts);
  expectOne('Stripe refund per refunded sale', keyed('refund-', '/v1/refunds'), refunded);

  if (payouts) {
    const { period, instructorIds } = payouts;
    const rows = (await knex('instructor_payouts')
      .where({ payout_period: period })
      .select('id', 'instructor_id', 'status')) as { id: string; instructor_id: string; status: string }[];
    const perInstructor = new Map<string, number>();
    for (const row of rows)
      if (row.status === 'completed')
        perInstructor.set(row.instructor_id, (perInstructor.get(row.instructor_id) ?? 0) + 1);
    for (const row of rows)
      if (row.status !== 'completed') found.push({ what: `payout left ${row.status}`, key: row.id, count: 1 });
    expectOne('completed payout per instructor', perInstructor, instructorIds);
    expectOne(
      'Stripe transfer per payout',
      keyed('payout-transfer-', '/v1/transfers'),
      rows.map((r) => r.id),
    );
  }
  return found;
}

/** The ledger check over the system's whole database (it is the scenario's own). */
export async function ledgerOf(f: FaultSystem): Promise<LedgerReport> {
  return checkLedger(f.knex);
}

/** One line of figures per scenario, for the CI log. */
export function reportFigures(
  scenario: string,
  f: FaultSystem,
  startedAt: number,
  extra: Record<string, unknown> = {},
): void {
  const figures = {
    scenario,
    seconds: Math.round((Date.now() - startedAt) / 100) / 10,
    stripeFaults: { ...f.proxy.injected },
    stripeForwarded: f.proxy.forwarded.length,
    apiRequests: f.traffic.requests,
    apiRetries: f.traffic.retried,
    apiStatuses: f.traffic.statuses,
    ...extra,
  };
  process.stderr.write(`[faults] ${JSON.stringify(figures)}\n`);
}
