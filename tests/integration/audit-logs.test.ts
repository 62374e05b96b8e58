/**
 * GET /api/admin/audit-logs (spec MKT-032): the append-only trail written by purchases and refunds, read by
 * admins with filters and keyset paging.
 */
import { randomUUID } from 'node:crypto';
import type { Knex } from 'knex';
import { appendAudit } from '../../src/audit/log';
import { loadConfig } from '../../src/config';
import { startTestApi, type TestApi } from '../support/api';
import { saleWithEscrow, type SaleScenario } from '../support/escrow';
import { createUser, type FixtureUser } from '../support/fixtures';

describe('audit log', () => {
  const config = loadConfig(process.env);
  let t: TestApi;
  let knex: Knex;
  let admin: FixtureUser;
  let s: SaleScenario;
  beforeAll(async () => {
    t = await startTestApi();
    knex = t.deps.knex;
    admin = await createUser(knex, config, 'admin');
    s = await saleWithEscrow(knex, config, t.deps.temporal, { holdMs: 60 * 60 * 1000 });
    const res = await t.request
      .post(`/api/transactions/${s.sale.transactionId}/refund`)
      .set(s.buyer.auth)
      .send({ reason: 'duplicate purchase' });
    expect(res.status).toBe(200);
  });
  afterAll(() => t.close());

  const list = (query: Record<string, string | number>, user: FixtureUser = admin) =>
    t.request.get('/api/admin/audit-logs').query(query).set(user.auth);

  it("lists a sale's trail, newest first, with actor, metadata and IP", async () => {
    const res = await list({ transactionId: s.sale.transactionId });
    expect(res.status).toBe(200);
    expect(res.body.data.map((e: { action: string }) => e.action)).toEqual([
      'refund_processed',
      'refund_requested',
      'purchase',
    ]);
    const requested = res.body.data[1];
    expect(requested).toMatchObject({
      transactionId: s.sale.transactionId,
      payoutId: null,
      actor: { id: s.buyer.id, email: s.buyer.email, role: 'student' },
      metadata: { source: 'api', reason: 'duplicate purchase', refundCents: 7900 },
    });
    expect(requested.ipAddress).toEqual(expect.any(String));
    expect(new Date(requested.createdAt).toISOString()).toBe(requested.createdAt);
    expect(res.body.nextCursor).toBeNull();
  });

  it('filters by action, actor and time', async () => {
    const byAction = await list({ transactionId: s.sale.transactionId, action: 'refund_requested' });
    expect(byAction.body.data).toHaveLength(1);
    const byActor = await list({ actorId: s.buyer.id });
    expect(byActor.body.data.map((e: { action: string }) => e.action).sort()).toEqual([
      'purchase',
      'refund_processed',
      'refund_requested',
    ]);
    const future = new Date(Date.now() + 60_000).toISOString();
    expect((await list({ actorId: s.buyer.id, from: future })).body.data).toEqual([]);
    expect((await list({ actorId: s.buyer.id, to: future })).body.data).toHaveLength(3);
    expect((await list({ actorId: s.buyer.id, to: new Date(Date.now() - 3_600_000).toISOString() })).body.data).toEqual(
      [],
    );
  });

  it('pages with a cursor, without gaps or repeats', async () => {
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const res = await list({ transactionId: s.sale.transactionId, limit: 1, ...(cursor ? { cursor } : {}) });
      expect(res.status).toBe(200);
      expect(res.body.data.length).toBeLessThanOrEqual(1);
      seen.push(...res.body.data.map((e: { id: string }) => e.id));
      cursor = res.body.nextCursor;
    } while (cursor);
    const all = await list({ transactionId: s.sale.transactionId });
    expect(seen).toEqual(all.body.data.map((e: { id: string }) => e.id));
  });

  it('refuses non-admins (403), anonymous callers (401) and bad filters (400)', async () => {
    expect((await list({}, s.buyer)).status).toBe(403);
    expect((await list({}, s.instructor)).status).toBe(403);
    expect((await t.request.get('/api/admin/audit-logs')).status).toBe(401);
    const bad: Record<string, string | number>[] = [
      { action: 'refund_denied' },
      { transactionId: 'x' },
      { limit: 101 },
      { from: 'yesterday' },
      { cursor: randomUUID() },
    ];
    for (const query of bad) {
      const res = await list(query);
      expect(res.status).toBe(400);
    }
    const inverted = await list({ from: new Date().toISOString(), to: new Date(Date.now() - 1000).toISOString() });
    expect(inverted.status).toBe(400);
    expect(inverted.body.detail).toBe('from must not be after to');
  });

  it('appends an entry once per dedupe key (a retried writer), and never rewrites it', async () => {
    const key = `test:${randomUUID()}`;
    const entry = { action: 'payout_failed' as const, metadata: { reason: 'test' }, dedupeKey: key };
    expect(await appendAudit(knex, entry)).toBe(true);
    expect(await appendAudit(knex, entry)).toBe(false);
    expect(await knex('transaction_audit_logs').where({ dedupe_key: key }).count('* as n').first()).toEqual({ n: 1 });
    await expect(knex('transaction_audit_logs').where({ dedupe_key: key }).update({ metadata: {} })).rejects.toThrow(
      /append-only/,
    );
  });
});
