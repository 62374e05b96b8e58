/**
 * What the API, the workers and the workflows must agree on: task-queue names, workflow ids derived from
 * business keys, search attributes, and signal/query/update definitions. Deterministic code only: the
 * workflow bundle imports this file.
 */
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import { REFUND_REFUSAL_CODES } from '../domain/refunds';
import type { SaleStatus } from '../domain/sale-status';
import type { IngestStage } from '../domain/video';
import type { UserRole } from '../models/User';

/** Worker pools. Each pool is one task queue; a worker process serves any subset (`--pools`). */
export const POOLS = ['core', 'payments', 'media'] as const;
export type Pool = (typeof POOLS)[number];

/** `prefix` lets several deployments or test runs share one Temporal namespace without stealing each other's tasks. */
export function taskQueue(pool: Pool, prefix = ''): string {
  return `${prefix}edustream-${pool}`;
}

/** `replayName` for `Worker.runReplayHistories`: its task queue is `<name>-<n>`, which siblingQueue accepts. */
export const REPLAY_WORKER_NAME = 'edustream-replay';

/**
 * The queue of another pool as seen from inside a workflow, derived from the workflow's own (core) queue,
 * so that the prefix chosen by configuration reaches workflow code without reading the environment.
 */
export function siblingQueue(coreQueue: string, pool: Pool): string {
  const suffix = taskQueue('core');
  if (coreQueue.endsWith(suffix)) return taskQueue(pool, coreQueue.slice(0, -suffix.length));
  // A replay worker (replay tests) runs on a made-up queue, and replay does not compare the queue a command names.
  if (coreQueue.startsWith(`${REPLAY_WORKER_NAME}-`)) return taskQueue(pool);
  throw new Error(`not a core task queue: ${coreQueue}`);
}

/** Workflow ids from business keys: a retry, a double click or a duplicated webhook lands on the same workflow. */
export const workflowId = {
  notificationFlush: (requestId: string) => `notifications-flush-${requestId}`,
  /** One escrow timer per sale. */
  escrow: (transactionId: string) => `escrow-${transactionId}`,
  /** One refund per sale: concurrent requests, the dashboard's refund and a lost dispute all land here. */
  refund: (transactionId: string) => `refund-${transactionId}`,
  /** One video ingest per lesson (a lesson has one video). */
  ingest: (lessonId: string) => `ingest-${lessonId}`,
  /** One checkout per buyer, course and attempt: a double click or a retried request joins the open attempt. */
  checkout: (buyerId: string, courseId: string, attempt: number) => `checkout-${buyerId}-${courseId}-${attempt}`,
};

/**
 * Input of `escrowWorkflow` (workflows/escrow.ts), started by checkout fulfilment for every completed sale.
 * The hold (ESCROW_HOLD) was applied when the sale was recorded: the workflow waits until `releaseAt`.
 */
export interface EscrowInput {
  transactionId: string;
  revenueRecordId: string;
  instructorId: string;
  courseId: string;
  /** ISO timestamp at which the instructor share becomes payable. */
  releaseAt: string;
}

/** Typed search attributes, registered on the namespace at start-up (see search-attributes.ts). */
export const searchAttributes = {
  instructorId: defineSearchAttributeKey('EduInstructorId', SearchAttributeType.KEYWORD),
  courseId: defineSearchAttributeKey('EduCourseId', SearchAttributeType.KEYWORD),
  lessonId: defineSearchAttributeKey('EduLessonId', SearchAttributeType.KEYWORD),
  transactionId: defineSearchAttributeKey('EduTransactionId', SearchAttributeType.KEYWORD),
  payoutPeriod: defineSearchAttributeKey('EduPayoutPeriod', SearchAttributeType.KEYWORD),
  saleStatus: defineSearchAttributeKey('EduSaleStatus', SearchAttributeType.KEYWORD),
  releaseAt: defineSearchAttributeKey('EduReleaseAt', SearchAttributeType.DATETIME),
  /** Progress of a payout run, for the Temporal UI's list view (e.g. `EduPayoutsFailed > 0`). */
  payoutsPaid: defineSearchAttributeKey('EduPayoutsPaid', SearchAttributeType.INT),
  payoutsFailed: defineSearchAttributeKey('EduPayoutsFailed', SearchAttributeType.INT),
};

// --- escrow and refunds (workflows/escrow.ts, workflows/refund.ts) ---------------------------------------

export type { SaleStatus } from '../domain/sale-status';

/** Where a sale's share is, as the escrow workflow last saw it in the database (its `escrow.state` query). */
export interface EscrowState {
  transactionId: string;
  status: SaleStatus;
  releaseAt: string;
  /** The hold has run out (the share is payable unless something stopped it). */
  holdEnded: boolean;
  dispute: { id: string; state: 'open' | 'won' | 'lost' } | null;
  /** Set once the sale was refunded (by request, at Stripe, or by a lost dispute). */
  refunded: SaleRefunded | null;
}

/** Stripe events carry their event id: the workflow ignores one it has already seen. */
export interface DisputeOpened {
  eventId: string;
  disputeId: string;
}
export interface DisputeClosed {
  eventId: string;
  disputeId: string;
  outcome: 'won' | 'lost';
}
/** Sent by the refund workflow once the refund is final. */
export interface SaleRefunded {
  share: 'cancelled' | 'clawed_back';
}

export const escrowSignals = {
  disputeOpened: defineSignal<[DisputeOpened]>('escrow.disputeOpened'),
  disputeClosed: defineSignal<[DisputeClosed]>('escrow.disputeClosed'),
  saleRefunded: defineSignal<[SaleRefunded]>('escrow.saleRefunded'),
  /** A refund failed after it had set the share aside; the escrow looks at the share again. */
  refundReverted: defineSignal<[]>('escrow.refundReverted'),
};
export const escrowStateQuery = defineQuery<EscrowState>('escrow.state');

/** Where a refund came from: the API (we call Stripe), Stripe itself (dashboard refund), or a lost dispute. */
export type RefundSource = 'api' | 'stripe' | 'dispute_lost';

/**
 * Input of `refundWorkflow`: the sale as it was when the workflow started (read by the API or the webhook
 * handler). The update validator decides from these facts plus what the workflow itself has seen.
 */
export interface RefundInput {
  transactionId: string;
  buyerId: string;
  instructorId: string;
  courseId: string;
  status: 'pending' | 'completed' | 'failed' | 'refunded';
  paidAt: string | null;
  shareStatus: string | null;
  stripePaymentIntentId: string | null;
  stripeChargeId: string | null;
}

/** `POST /api/transactions/:id/refund`, as an Update: the caller waits for the refund's outcome. */
export interface RefundRequest {
  actorId: string;
  actorRole: UserRole;
  /** When the API received the request (the 30-day window is checked against it). */
  requestedAt: string;
  ipAddress: string | null;
  reason: string | null;
}

export interface RefundResult {
  transactionId: string;
  status: 'refunded';
  refundedAt: string;
  stripeRefundId: string | null;
  /** What happened to the instructor's share: cancelled before payout, or clawed back from the next one. */
  instructorShare: SaleRefunded['share'];
  source: RefundSource;
}

/** Failure types (ApplicationFailure.type) the refund update can end with: the rule's refusals and Stripe's. */
export const REFUND_FAILURE_CODES = [
  ...REFUND_REFUSAL_CODES,
  'payment_provider_refused',
  'payment_provider_unavailable',
] as const;
export type RefundFailureCode = (typeof REFUND_FAILURE_CODES)[number];

export type RefundOutcome =
  | { status: 'refunded'; result: RefundResult }
  | { status: 'refused'; code: RefundFailureCode; message: string }
  /** Started by a request the validator refused, and nothing else came. */
  | { status: 'idle' };

export interface StripeRefunded {
  eventId: string;
  refundId: string | null;
}
export interface DisputeLost {
  eventId: string;
  disputeId: string;
}

export const refundUpdates = {
  request: defineUpdate<RefundResult, [RefundRequest]>('refund.request'),
};
export const refundSignals = {
  /** `charge.refunded`: the money was returned at Stripe (dashboard, or the echo of our own refund). */
  stripeRefunded: defineSignal<[StripeRefunded]>('refund.stripeRefunded'),
  /** `charge.dispute.closed` lost: Stripe took the money back; the sale is undone like a refund. */
  disputeLost: defineSignal<[DisputeLost]>('refund.disputeLost'),
};
export const refundStateQuery = defineQuery<{ source: RefundSource | null; outcome: RefundOutcome | null }>(
  'refund.state',
);

// --- video ingest (workflows/ingest.ts) --------------------------------------------------------

/** Input of `videoIngestWorkflow`, started when a lesson's upload is complete. */
export interface IngestInput {
  lessonId: string;
  courseId: string;
  /** S3 key of the uploaded original. */
  videoKey: string;
}

export interface IngestProgress {
  stage: IngestStage;
  /** Whole ingest, 0–100. */
  percent: number;
  /** Set once the ingest failed. */
  failureReason?: string;
}

/**
 * How often media activities heartbeat, and how often the media worker passes heartbeats on to the server (instead
 * of 0.8 × the heartbeat timeout): a cancellation is learnt from a heartbeat's reply, so it kills ffmpeg this soon.
 */
export const MEDIA_HEARTBEAT_INTERVAL_MS = 1000;

/** Activity failure types that are the uploaded file's fault: not retried; the lesson fails with the message. */
export const INGEST_FILE_FAULTS = { invalidVideo: 'InvalidVideo', videoMissing: 'VideoMissing' } as const;

/** Sent by the transcoding activity as ffmpeg advances (throttled), so the query and the lesson row can show it. */
export const ingestStageProgressSignal =
  defineSignal<[{ stage: IngestStage; stagePercent: number }]>('ingestStageProgress');
export const ingestProgressQuery = defineQuery<IngestProgress>('ingestProgress');
// --- checkout (workflows/checkout.ts) --------------------------------------------------------

/**
 * Input of `checkoutWorkflow`: one checkout attempt, i.e. one pending transaction row. Prices were decided
 * when the attempt was opened (course price, coupon) and are what the Checkout Session charges.
 */
export interface CheckoutInput {
  /** The pending transaction row that stands for this attempt; also the Checkout Session's client_reference_id. */
  transactionId: string;
  buyerId: string;
  buyerEmail: string;
  courseId: string;
  courseTitle: string;
  instructorId: string;
  couponId: string | null;
  couponCode: string | null;
  grossCents: number;
  discountCents: number;
  netCents: number;
  /** ISO instant the attempt was opened; anchors the session's expiry so a retried Stripe request is identical. */
  openedAt: string;
  /** ISO instant after which the checkout stops waiting for payment and expires its session. */
  expiresAt: string;
  successUrl: string;
  cancelUrl: string;
}

/** What a Checkout Session says about the payment, taken from a webhook event or from Stripe directly. */
export interface CheckoutSessionFacts {
  sessionId: string;
  status: 'open' | 'complete' | 'expired' | null;
  paymentStatus: 'paid' | 'unpaid' | 'no_payment_required';
  paymentIntentId: string | null;
  /** Before tax: what we asked for (the discounted price). */
  amountSubtotalCents: number | null;
  taxCents: number;
  paymentMethod: string | null;
}

export const CHECKOUT_EVENT_TYPES = [
  'checkout.session.completed',
  'checkout.session.async_payment_succeeded',
  'checkout.session.async_payment_failed',
  'checkout.session.expired',
] as const;
export type CheckoutEventType = (typeof CHECKOUT_EVENT_TYPES)[number];

/** A verified Stripe event about this checkout's session, handed over by the webhook route. */
export interface CheckoutEvent {
  eventId: string;
  type: CheckoutEventType;
  /** ISO instant Stripe created the event: for a payment event, when the payment completed. */
  occurredAt: string;
  session: CheckoutSessionFacts;
}

export type CheckoutPhase =
  'creating_session' | 'awaiting_payment' | 'payment_processing' | 'fulfilling' | 'completed' | 'failed';

export type CheckoutFailureReason = 'expired' | 'payment_failed' | 'superseded' | 'checkout_error';

export interface CheckoutSessionView {
  sessionId: string;
  url: string;
}

export interface CheckoutState {
  phase: CheckoutPhase;
  session: CheckoutSessionView | null;
  failureReason: CheckoutFailureReason | null;
  /** Stripe event ids already taken into account (duplicates are dropped). */
  eventIds: string[];
}

export interface CheckoutResult {
  status: 'completed' | 'failed';
  transactionId: string;
  failureReason?: CheckoutFailureReason;
  revenueRecordId?: string;
  enrollmentId?: string;
}

/** `ApplicationFailure` types the checkout's updates answer with; the API maps each to an HTTP problem. */
export const CHECKOUT_FAILURES = {
  /** The attempt ended (expired, failed, superseded) before the request reached it. */
  closed: 'CheckoutClosed',
  /** Stripe has the buyer's payment and is still processing it (bank debits): nothing to change now. */
  paymentProcessing: 'CheckoutPaymentProcessing',
  /** The Checkout Session is not created yet (Stripe slow or down); the request may be retried. */
  sessionPending: 'CheckoutSessionPending',
  /** Stripe refused to create the session. */
  sessionFailed: 'CheckoutSessionFailed',
} as const;

/** Delivers a verified Stripe event (duplicates are dropped by event id). */
export const checkoutEventSignal = defineSignal<[CheckoutEvent]>('checkoutEvent');
/** Waits until the Checkout Session exists and returns it (the API answers `POST /api/checkout/create` with it). */
export const checkoutSessionUpdate = defineUpdate<CheckoutSessionView>('checkoutSession');
/** Ends an attempt that is still awaiting payment (the buyer restarted checkout with other terms). */
export const cancelCheckoutUpdate = defineUpdate<void, [CheckoutFailureReason]>('cancelCheckout');
export const checkoutStateQuery = defineQuery<CheckoutState>('checkoutState');
// --- payouts -------------------------------------------------------------------------------------

/**
 * Workflow and schedule ids of the payout domain. Run and schedule ids carry the task-queue prefix, so two
 * deployments (or test runs) sharing a namespace never answer for each other's periods; a per-instructor
 * payout id needs none (instructor ids are globally unique).
 */
export const payoutIds = {
  /** One per instructor and period (DESIGN §4): a rerun of the period lands on the same workflow. */
  instructorPayout: (instructorId: string, period: string) => `payout-${instructorId}-${period}`,
  /** A run started by an operator (admin endpoint, CLI) for a period; a dry run only counts. */
  run: (prefix: string, period: string, dryRun = false) => `${prefix}payout-run-${period}${dryRun ? '-dry-run' : ''}`,
  /** Runs started by the Schedule: Temporal appends the scheduled time to this id. */
  scheduledRun: (prefix: string) => `${prefix}payout-run-scheduled`,
  schedule: (prefix: string) => `${prefix}monthly-payout-run`,
};

/** Input of `payoutRunWorkflow` (workflows/payouts.ts). */
export interface PayoutRunInput {
  /** 'YYYY-MM-01'. Omitted by the Schedule: the period is derived from the scheduled time. */
  period?: string;
  /** Per-instructor payouts in flight at once (the sliding window). */
  concurrency?: number;
  /** Instructors fetched per page of the due-balance query. */
  pageSize?: number;
  /** Count who would be paid, and how much, without paying anyone. */
  dryRun?: boolean;
  /** Progress carried across continue-as-new; never set by a starter. */
  carried?: PayoutRunProgress;
}

export interface PayoutRunFailure {
  instructorId: string;
  reason: string;
}

/** What a run has done so far (the `payoutRunProgress` query) and, once finished, its result. */
export interface PayoutRunProgress {
  period: string;
  dryRun: boolean;
  /** Last instructor id the run has dealt with (keyset cursor of the due-balance query). */
  cursor: string | null;
  /** Instructors paid in this run, and the cents transferred to them (in a dry run: who would be, and how much). */
  paid: number;
  paidCents: number;
  /** Due, but not paid: no Connect account with transfers enabled (the instructor is notified). */
  skippedNoConnect: number;
  /** Below $50.00 by the time their payout was prepared (a refund, or paid by a concurrent run). */
  notDue: number;
  /** This instructor's payout for the period already exists (a rerun of the period). */
  alreadyHandled: number;
  failed: number;
  /** The first failures (bounded, so the run's payload stays small). */
  failures: PayoutRunFailure[];
  /** Instructors started but not finished yet. */
  inFlight: number;
  /** How many times the run continued as new. */
  continuedAsNew: number;
  done: boolean;
}

export const payoutRunProgressQuery = defineQuery<PayoutRunProgress>('payoutRunProgress');

/** Input and result of `instructorPayoutWorkflow`, the child that pays one instructor for one period. */
export interface InstructorPayoutInput {
  instructorId: string;
  period: string;
}

export type InstructorPayoutResult =
  | { outcome: 'paid'; payoutId: string; totalCents: number; transferId: string }
  /** The period's payout was finished before (a rerun after a crash or a Temporal-level failure). */
  | { outcome: 'closed'; payoutId: string; status: 'completed' | 'failed' }
  | { outcome: 'failed'; payoutId: string; reason: string }
  | { outcome: 'not_due'; balanceCents: number }
  | { outcome: 'connect_required'; balanceCents: number };

/** ApplicationFailure type of a transfer Stripe definitively refused: nothing was sent, the shares may be released. */
export const TRANSFER_REJECTED = 'PayoutTransferRejected';

/** Set by Temporal on every workflow a Schedule starts (a system attribute: never registered by us). */
export const scheduledStartTime = defineSearchAttributeKey('TemporalScheduledStartTime', SearchAttributeType.DATETIME);

// --- housekeeping (workflows/housekeeping.ts) -------------------------------------------------------

/**
 * Tables the housekeeping sweep deletes expired rows from, in the order it sweeps them (a fixed allow-list:
 * the sweep activity refuses any other name). What counts as expired is written once, in activities/housekeeping.ts.
 */
export const HOUSEKEEPING_TABLES = ['idempotency_keys', 'rate_limits', 'stripe_events'] as const;
export type HousekeepingTable = (typeof HOUSEKEEPING_TABLES)[number];

/** Schedule and workflow ids of housekeeping; they carry the task-queue prefix like every Schedule's. */
export const housekeepingIds = {
  schedule: (prefix: string) => `${prefix}housekeeping`,
  /** Runs started by the Schedule: Temporal appends the scheduled time to this id. */
  scheduledRun: (prefix: string) => `${prefix}housekeeping-scheduled`,
};

/** Input of `housekeepingWorkflow`. */
export interface HousekeepingInput {
  /** Rows deleted per statement (each statement is its own short transaction). Default 5000. */
  batchSize?: number;
}

/** What one table's sweep did. */
export interface SweepResult {
  table: HousekeepingTable;
  deleted: number;
  /** Statements run. */
  batches: number;
}

export interface HousekeepingResult {
  swept: SweepResult[];
  /** Tables whose sweep failed after its retries (the others were still swept). */
  failed: { table: HousekeepingTable; reason: string }[];
}
