/**
 * `POST /api/checkout/create`: price the purchase, open (or join) the buyer's attempt, and get its Checkout
 * Session from the attempt's workflow in the same request (update-with-start: the workflow is started if it
 * is not running yet, and the update waits until the session exists).
 */
import {
  ApplicationFailure,
  WithStartWorkflowOperation,
  WorkflowExecutionAlreadyStartedError,
  WorkflowNotFoundError,
  WorkflowUpdateFailedError,
} from '@temporalio/client';
import type { AuthUser } from '../accounts/identity';
import { conflict, unavailable } from '../problems/http-problem';
import type { ApiDeps } from '../deps';
import {
  cancelCheckoutUpdate,
  CHECKOUT_FAILURES,
  CHECKOUT_WORKFLOW,
  type CheckoutInput,
  checkoutSessionUpdate,
  type CheckoutSessionView,
} from '../temporal/contracts/checkout';
import type { checkoutWorkflow } from '../../workflows/checkout';
import {
  checkoutStartOptions,
  failAttempt,
  loadCheckoutInput,
  openCheckoutAttempt,
  sameTerms,
  type CheckoutAttempt,
} from './attempts';
import { loadPurchasableCourse, pricePurchase, type PricedPurchase } from './pricing';

export const ALREADY_OWNED = 'You already own this course';
const PAYMENT_UNAVAILABLE = 'Payment processing unavailable - retry';

export interface BegunCheckout {
  attempt: CheckoutAttempt;
  input: CheckoutInput;
  priced: PricedPurchase;
  session: CheckoutSessionView;
}

/** The `ApplicationFailure` type a workflow update answered with, if that is what failed. */
function failureType(err: unknown): string | undefined {
  const cause = err instanceof WorkflowUpdateFailedError ? err.cause : err;
  return cause instanceof ApplicationFailure ? (cause.type ?? undefined) : undefined;
}

async function assertNotOwned(
  deps: ApiDeps,
  buyer: AuthUser,
  course: { id: string; instructorId: string },
): Promise<void> {
  const enrolled = await deps
    .knex('enrollments')
    .where({ course_id: course.id, student_id: buyer.id, status: 'active' })
    .first('id');
  if (enrolled || course.instructorId === buyer.id) throw conflict(ALREADY_OWNED);
}

/**
 * Ends an open attempt whose terms no longer match (another coupon, a new price), so that the buyer never
 * holds two payable sessions for one course. Refused (409) once Stripe has the buyer's payment.
 */
async function supersede(deps: ApiDeps, attempt: CheckoutAttempt): Promise<void> {
  try {
    await deps.temporal.workflow
      .getHandle(attempt.workflowId)
      .executeUpdate(cancelCheckoutUpdate, { args: ['superseded'] });
  } catch (err) {
    const type = failureType(err);
    if (type === CHECKOUT_FAILURES.closed) return;
    if (type === CHECKOUT_FAILURES.paymentProcessing)
      throw conflict('A payment for this course is already being processed');
    if (!(err instanceof WorkflowNotFoundError)) throw err;
    // Never started (the request that opened it died before starting it): nothing at Stripe to expire.
    await failAttempt(deps.knex, attempt.transactionId, 'superseded');
  }
}

export async function beginCheckout(
  deps: ApiDeps,
  buyer: AuthUser,
  courseId: string,
  couponCode: string | undefined,
): Promise<BegunCheckout> {
  const { knex, config, temporal } = deps;
  const course = await loadPurchasableCourse(knex, courseId);
  const priced = await pricePurchase(knex, course, couponCode, new Date(), {
    purpose: 'checkout',
    field: 'couponCode',
  });

  // Bounded: each round either returns or ends one stale attempt (expired meanwhile, superseded, lost workflow).
  for (let round = 0; round < 3; round++) {
    await assertNotOwned(deps, buyer, course);
    const attempt = await openCheckoutAttempt(knex, buyer.id, priced);
    if (!attempt.created && !sameTerms(attempt, priced)) {
      await supersede(deps, attempt);
      continue;
    }
    const loaded = await loadCheckoutInput(knex, config, attempt.transactionId);
    if (!loaded || loaded.status !== 'pending') continue; // ended between our two reads
    try {
      const session = await temporal.workflow.executeUpdateWithStart(checkoutSessionUpdate, {
        startWorkflowOperation: new WithStartWorkflowOperation<typeof checkoutWorkflow>(CHECKOUT_WORKFLOW, {
          ...checkoutStartOptions(config, attempt.workflowId, loaded.input),
          workflowIdConflictPolicy: 'USE_EXISTING',
        }),
      });
      return { attempt, input: loaded.input, priced, session };
    } catch (err) {
      if (err instanceof WorkflowExecutionAlreadyStartedError) {
        // The attempt's workflow has closed without settling its row (terminated by an operator): retire it.
        deps.log.warn(
          { workflowId: attempt.workflowId },
          'checkout workflow closed while its attempt was pending; opening a new attempt',
        );
        await failAttempt(knex, attempt.transactionId, 'checkout_error');
        continue;
      }
      const type = failureType(err);
      if (type === CHECKOUT_FAILURES.closed) continue;
      if (type === CHECKOUT_FAILURES.paymentProcessing)
        throw conflict('A payment for this course is already being processed');
      // Retry-After: the session normally exists within a second or two, and the retry joins this attempt.
      if (type === CHECKOUT_FAILURES.sessionPending || type === CHECKOUT_FAILURES.sessionFailed)
        throw unavailable(PAYMENT_UNAVAILABLE, 2);
      throw err;
    }
  }
  throw unavailable(PAYMENT_UNAVAILABLE, 1);
}
