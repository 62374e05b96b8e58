import {
  allHandlersFinished,
  condition,
  proxyActivities,
  setHandler,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { createEscrowActivities, ShareSnapshot } from '../activities/escrow';
import {
  type DisputeClosed,
  type DisputeOpened,
  type EscrowInput,
  escrowSignals,
  type EscrowState,
  escrowStateQuery,
} from '../src/temporal/contracts/escrow';
import { saleSearchAttributes, saleStatusAttribute, type SaleStatus } from '../src/temporal/contracts/sale';

type Step =
  { kind: 'freeze'; dispute: DisputeOpened } | { kind: 'close'; dispute: DisputeClosed } | { kind: 'recheck' };

const { releaseShare, freezeShare, closeDispute, readShare } = proxyActivities<
  ReturnType<typeof createEscrowActivities>
>({
  startToCloseTimeout: '30 seconds',
  // Database steps: ride out a restart or failover (about 4 h of attempts), then fail visibly in the UI.
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '5 minutes', maximumAttempts: 50 },
});

/**
 * One per sale (id `escrow-<transaction id>`), started by checkout fulfilment. Holds the instructor's share
 * until `releaseAt` with one durable timer, then makes it payable. A dispute freezes the share until it is
 * closed (won: released as usual; lost: the refund workflow undoes the sale); a refund ends the hold early.
 * The share's place is always read back from the database, so the workflow never disagrees with the books.
 */
export async function escrowWorkflow(input: EscrowInput): Promise<EscrowState> {
  const state: EscrowState = {
    transactionId: input.transactionId,
    status: 'held',
    releaseAt: input.releaseAt,
    holdEnded: false,
    dispute: null,
    refunded: null,
  };
  const seenEvents = new Set<string>();
  const firstDelivery = (eventId: string): boolean => {
    if (seenEvents.has(eventId)) return false;
    seenEvents.add(eventId);
    return true;
  };
  /** Work the signals asked for, in arrival order. */
  const steps: Step[] = [];

  const setStatus = (status: SaleStatus) => {
    if (status !== state.status) upsertSearchAttributes(saleStatusAttribute(status));
    state.status = status;
  };
  // A share found cancelled while the sale is not refunded yet belongs to a refund under way: the loop then
  // waits for its report (refunded, or reverted).
  const observe = (share: ShareSnapshot) => {
    setStatus(share.status);
    if (share.final) state.refunded ??= { share: share.status === 'clawed_back' ? 'clawed_back' : 'cancelled' };
  };

  setHandler(escrowStateQuery, () => state);
  setHandler(escrowSignals.disputeOpened, (dispute) => {
    if (!firstDelivery(dispute.eventId)) return;
    state.dispute = { id: dispute.disputeId, state: 'open' };
    steps.push({ kind: 'freeze', dispute });
  });
  setHandler(escrowSignals.disputeClosed, (dispute) => {
    if (!firstDelivery(dispute.eventId)) return;
    state.dispute = { id: dispute.disputeId, state: dispute.outcome };
    steps.push({ kind: 'close', dispute });
  });
  setHandler(escrowSignals.saleRefunded, (refund) => {
    state.refunded ??= refund;
  });
  setHandler(escrowSignals.refundReverted, () => {
    steps.push({ kind: 'recheck' }); // the refund put the share back: see where it is now
  });

  upsertSearchAttributes(saleSearchAttributes(input, { status: state.status, releaseAt: input.releaseAt }));

  // One timer for the whole hold, independent of disputes: a dispute won before releaseAt just goes back to
  // waiting for it. A refund ends the hold (and cancels the timer).
  const holdMs = Date.parse(input.releaseAt) - workflowInfo().runStartTime.getTime();
  if (holdMs > 0) {
    void condition(() => state.refunded !== null, holdMs, { summary: `escrow hold until ${input.releaseAt}` }).then(
      (ended) => {
        state.holdEnded = !ended;
      },
    );
  } else {
    state.holdEnded = true;
  }

  const releaseDue = () => state.holdEnded && state.status === 'held';
  /** Nothing left to wait for: released (or paid), and no dispute or refund under way. */
  const settled = () =>
    state.holdEnded &&
    (state.status === 'payable' || state.status === 'paid') &&
    state.dispute?.state !== 'open' &&
    state.dispute?.state !== 'lost';

  for (;;) {
    await condition(() => state.refunded !== null || steps.length > 0 || releaseDue() || settled());
    if (state.refunded !== null) {
      setStatus(state.refunded.share);
      break;
    }
    const step = steps.shift();
    if (step) {
      // A lost dispute leaves the share frozen until the refund workflow takes it back and reports here.
      observe(
        step.kind === 'freeze'
          ? await freezeShare(input.transactionId, step.dispute)
          : step.kind === 'close'
            ? await closeDispute(input.transactionId, step.dispute)
            : await readShare(input.transactionId),
      );
      continue;
    }
    if (releaseDue()) {
      observe(await releaseShare(input.transactionId));
      continue;
    }
    break; // settled
  }

  await condition(allHandlersFinished);
  return state;
}
