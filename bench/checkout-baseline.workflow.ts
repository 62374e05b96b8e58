/**
 * The baseline of `npm run bench:checkout`: a bare Temporal workflow doing what the checkout workflow does
 * in Temporal terms on the happy path — the same number of activities (no-ops) around one signal — and
 * nothing else (no HTTP, no database, no Stripe).
 */
import { condition, defineSignal, proxyActivities, setHandler } from '@temporalio/workflow';

export const baselinePaidSignal = defineSignal('paid');

const { noop } = proxyActivities<{ noop(): Promise<void> }>({
  startToCloseTimeout: '30 seconds',
  retry: { maximumAttempts: 3 },
});

export async function baselineCheckoutWorkflow(
  activitiesBeforeSignal: number,
  activitiesAfterSignal: number,
): Promise<void> {
  let paid = false;
  setHandler(baselinePaidSignal, () => {
    paid = true;
  });
  for (let i = 0; i < activitiesBeforeSignal; i++) await noop();
  await condition(() => paid);
  for (let i = 0; i < activitiesAfterSignal; i++) await noop();
}
