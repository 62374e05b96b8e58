/** Contracts of `payoutRunWorkflow` and its child `instructorPayoutWorkflow` (workflows/payouts.ts). */
import { defineQuery } from '@temporalio/workflow';

export const PAYOUT_RUN_WORKFLOW = 'payoutRunWorkflow';
export const INSTRUCTOR_PAYOUT_WORKFLOW = 'instructorPayoutWorkflow';

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
