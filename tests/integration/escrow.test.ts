/**
 * The escrow workflow on the real dev server: a short hold releases the share; the 7-day default is read
 * from the running workflow's timer; search attributes make the sale findable.
 */
import { loadConfig } from '../../src/config';
import { parseDuration } from '../../src/domain/time';
import { checkLedger } from '../../src/ledger/check';
import type { EscrowState } from '../../src/temporal/contracts/escrow';
import { searchAttributes } from '../../src/temporal/shared';
import { startTestApi, type TestApi } from '../support/api';
import { historyEvents, saleWithEscrow, waitFor } from '../support/escrow';

describe('escrow workflow', () => {
  const config = loadConfig(process.env);
  let t: TestApi;
  beforeAll(async () => {
    t = await startTestApi();
  });
  afterAll(() => t.close());

  it('holds the share until releaseAt, then makes it payable (and the ledger agrees)', async () => {
    const s = await saleWithEscrow(t.deps.knex, config, t.deps.temporal, { holdMs: 2500 });
    const share = () => t.deps.knex('revenue_records').where({ id: s.sale.revenueRecordId }).first();

    const during = await s.escrow.query<EscrowState>('escrow.state');
    expect(during).toMatchObject({ status: 'held', holdEnded: false, releaseAt: s.sale.releaseAt });
    expect(await share()).toMatchObject({ status: 'held', released_at: null });

    const result = (await s.escrow.result()) as EscrowState;
    expect(result).toMatchObject({ status: 'payable', holdEnded: true, refunded: null });
    const released = await share();
    expect(released.status).toBe('payable');
    // Released by the timer, not before it.
    expect(released.released_at.getTime()).toBeGreaterThanOrEqual(new Date(s.sale.releaseAt).getTime());

    const described = await s.escrow.describe();
    expect(described.typedSearchAttributes.get(searchAttributes.saleStatus)).toBe('payable');
    expect(described.typedSearchAttributes.get(searchAttributes.instructorId)).toBe(s.instructor.id);
    expect(described.typedSearchAttributes.get(searchAttributes.courseId)).toBe(s.course.id);
    expect(described.typedSearchAttributes.get(searchAttributes.transactionId)).toBe(s.sale.transactionId);
    expect(described.typedSearchAttributes.get(searchAttributes.releaseAt)?.toISOString()).toBe(s.sale.releaseAt);

    const ledger = await checkLedger(t.deps.knex, { instructorIds: [s.instructor.id] });
    expect(ledger.violations).toEqual([]);
    expect(ledger.buckets.payable).toEqual({ count: 1, cents: 5530 });
  });

  it('is findable in the Web UI by instructor and sale status', async () => {
    const s = await saleWithEscrow(t.deps.knex, config, t.deps.temporal, { holdMs: 60 * 60 * 1000 });
    try {
      const query = `EduInstructorId = "${s.instructor.id}" AND EduSaleStatus = "held"`;
      const found = await waitFor(async () => {
        for await (const wf of t.deps.temporal.workflow.list({ query })) return wf.workflowId;
        return undefined;
      }, 'the escrow workflow in visibility');
      expect(found).toBe(s.escrow.workflowId);
    } finally {
      await s.escrow.terminate('test over');
    }
  });

  it('defaults to a 7-day hold: the running workflow sets a 7-day durable timer', async () => {
    // The sale is recorded with the configured hold, as checkout records it; the test environment leaves
    // ESCROW_HOLD at its default.
    const holdMs = parseDuration(config.ESCROW_HOLD);
    expect(holdMs).toBe(7 * 24 * 60 * 60 * 1000);
    const s = await saleWithEscrow(t.deps.knex, config, t.deps.temporal, { holdMs });
    try {
      const timer = await waitFor(async () => {
        const events = await historyEvents(t.deps.temporal, s.escrow.workflowId);
        return events.find((e) => e.timerStartedEventAttributes)?.timerStartedEventAttributes ?? undefined;
      }, 'the escrow timer');
      const seconds = Number(timer.startToFireTimeout?.seconds ?? 0);
      // releaseAt − workflow start: the whole hold minus the moments between recording the sale and starting.
      expect(seconds).toBeLessThanOrEqual(7 * 24 * 3600);
      expect(seconds).toBeGreaterThan(7 * 24 * 3600 - 60);
      const state = await s.escrow.query<EscrowState>('escrow.state');
      expect(state).toMatchObject({ status: 'held', holdEnded: false });
    } finally {
      await s.escrow.terminate('test over');
    }
  });
});
