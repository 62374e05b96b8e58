/**
 * How the API and the webhook handlers reach a sale's escrow and refund workflows. Ids come from the
 * transaction, so every path — a request, a retry, a redelivered webhook — lands on the same workflow.
 */
import { WithStartWorkflowOperation, type Client } from '@temporalio/client';
import type { SignalDefinition } from '@temporalio/common';
import type { Config } from '../config';
import { ESCROW_WORKFLOW, escrowWorkflowId } from '../temporal/contracts/escrow';
import {
  type RefundRequest,
  type RefundResult,
  REFUND_WORKFLOW,
  refundUpdates,
  refundWorkflowId,
} from '../temporal/contracts/refund';
import { taskQueue } from '../temporal/shared';
import type { escrowWorkflow } from '../../workflows/escrow';
import type { refundWorkflow } from '../../workflows/refund';
import { escrowInputOf, refundInputOf, type SaleFacts } from './facts';

interface Temporal {
  temporal: Client;
  config: Config;
}

const coreQueue = (config: Config) => taskQueue('core', config.TASK_QUEUE_PREFIX);

/**
 * Asks for a refund and waits for its outcome: Update-with-Start on `refund-<transaction>`. A running refund
 * workflow is joined (USE_EXISTING), so concurrent requests meet in one workflow whose validator admits only
 * the first; a closed one is followed by a new run (ALLOW_DUPLICATE) that starts from the sale as it is now.
 * Throws WorkflowUpdateFailedError whose cause is an ApplicationFailure typed with a RefundFailureCode.
 */
export function requestRefund(
  { temporal, config }: Temporal,
  sale: SaleFacts,
  request: RefundRequest,
): Promise<RefundResult> {
  return temporal.workflow.executeUpdateWithStart(refundUpdates.request, {
    args: [request],
    startWorkflowOperation: new WithStartWorkflowOperation<typeof refundWorkflow>(REFUND_WORKFLOW, {
      workflowId: refundWorkflowId(sale.transactionId),
      taskQueue: coreQueue(config),
      args: [refundInputOf(sale)],
      workflowIdConflictPolicy: 'USE_EXISTING',
      workflowIdReusePolicy: 'ALLOW_DUPLICATE',
      staticSummary: `refund of transaction ${sale.transactionId}`,
    }),
  });
}

/** Delivers a Stripe event to the sale's refund workflow, starting it if none is running. */
export async function signalRefundWorkflow<A>(
  { temporal, config }: Temporal,
  sale: SaleFacts,
  signal: SignalDefinition<[A]>,
  arg: A,
): Promise<string> {
  const id = refundWorkflowId(sale.transactionId);
  await temporal.workflow.signalWithStart<typeof refundWorkflow, [A]>(REFUND_WORKFLOW, {
    workflowId: id,
    taskQueue: coreQueue(config),
    args: [refundInputOf(sale)],
    signal,
    signalArgs: [arg],
    workflowIdReusePolicy: 'ALLOW_DUPLICATE',
    staticSummary: `refund of transaction ${sale.transactionId}`,
  });
  return id;
}

/**
 * Delivers a Stripe event to the sale's escrow workflow. After the share was released the escrow has ended;
 * a new run is started for the event (its hold is over, so it only handles the event).
 */
export async function signalEscrowWorkflow<A>(
  { temporal, config }: Temporal,
  sale: SaleFacts,
  signal: SignalDefinition<[A]>,
  arg: A,
): Promise<string> {
  const id = escrowWorkflowId(sale.transactionId);
  await temporal.workflow.signalWithStart<typeof escrowWorkflow, [A]>(ESCROW_WORKFLOW, {
    workflowId: id,
    taskQueue: coreQueue(config),
    args: [escrowInputOf(sale)],
    signal,
    signalArgs: [arg],
    workflowIdReusePolicy: 'ALLOW_DUPLICATE',
    staticSummary: `escrow of transaction ${sale.transactionId}`,
  });
  return id;
}
