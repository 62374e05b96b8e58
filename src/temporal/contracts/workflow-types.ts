import { CHECKOUT_WORKFLOW } from './checkout';
import { ESCROW_WORKFLOW } from './escrow';
import { HOUSEKEEPING_WORKFLOW } from './housekeeping';
import { INGEST_WORKFLOW } from './ingest';
import { FLUSH_NOTIFICATIONS_WORKFLOW } from './notifications';
import { INSTRUCTOR_PAYOUT_WORKFLOW, PAYOUT_RUN_WORKFLOW } from './payouts';
import { REFUND_WORKFLOW } from './refund';

/** Every workflow type the core worker registers (tests check it against workflows/index.ts and the replay histories). */
export const WORKFLOW_TYPES = [
  CHECKOUT_WORKFLOW,
  ESCROW_WORKFLOW,
  REFUND_WORKFLOW,
  INGEST_WORKFLOW,
  PAYOUT_RUN_WORKFLOW,
  INSTRUCTOR_PAYOUT_WORKFLOW,
  HOUSEKEEPING_WORKFLOW,
  FLUSH_NOTIFICATIONS_WORKFLOW,
] as const;
