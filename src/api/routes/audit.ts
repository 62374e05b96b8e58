import { z } from 'zod';
import { AUDIT_ACTIONS } from '../../models/TransactionAuditLog';
import { USER_ROLES } from '../../models/User';
import { badRequest } from '../../problems/http-problem';
import type { RouteModule } from '../http/context';
import { defineRoute } from '../http/define-route';
import { Timestamp } from '../http/schemas';

const Instant = z.iso.datetime({ offset: true }).openapi({ format: 'date-time' });

const AuditQuery = z.object({
  action: z.enum(AUDIT_ACTIONS).optional(),
  transactionId: z.uuid().optional(),
  payoutId: z.uuid().optional(),
  actorId: z.uuid().optional(),
  from: Instant.optional().openapi({ description: 'entries at or after this instant' }),
  to: Instant.optional().openapi({ description: 'entries before this instant' }),
  limit: z.coerce.number().int().min(1).max(100).default(50),
  cursor: z.uuid().optional().openapi({ description: '`nextCursor` of the previous page' }),
});

const AuditEntrySchema = z
  .object({
    id: z.uuid(),
    action: z.enum(AUDIT_ACTIONS),
    transactionId: z.uuid().nullable(),
    payoutId: z.uuid().nullable(),
    actor: z
      .object({ id: z.uuid(), name: z.string(), email: z.string(), role: z.enum(USER_ROLES) })
      .nullable()
      .openapi({ description: 'null for actions of the system (workflows, webhooks, schedules)' }),
    metadata: z.record(z.string(), z.unknown()),
    ipAddress: z.string().nullable(),
    createdAt: Timestamp,
  })
  .openapi('AuditLogEntry');

const AuditPage = z
  .object({
    data: z.array(AuditEntrySchema),
    nextCursor: z
      .string()
      .nullable()
      .openapi({ description: 'pass as `cursor` for the next (older) page; null on the last page' }),
  })
  .openapi('AuditLogPage');

interface AuditRow {
  id: string;
  action: (typeof AUDIT_ACTIONS)[number];
  transaction_id: string | null;
  payout_id: string | null;
  actor_id: string | null;
  actor_name: string | null;
  actor_email: string | null;
  actor_role: (typeof USER_ROLES)[number] | null;
  metadata: Record<string, unknown>;
  ip_address: string | null;
  created_at: Date;
}

/** The financial audit trail (spec MKT-032), newest first, for admins. Read-only: the trail is append-only. */
export const auditRoutes: RouteModule = (router, registry, deps) => {
  defineRoute(
    router,
    registry,
    {
      method: 'get',
      path: '/api/admin/audit-logs',
      summary: 'Read the financial audit log',
      description: 'Newest first, filtered by action, transaction, payout, actor and time; paged with `cursor`.',
      tags: ['admin'],
      auth: ['admin'],
      forbiddenMessage: 'Only admins can read the audit log',
      query: AuditQuery,
      responses: { 200: AuditPage },
    },
    async (_ctx, { query }) => {
      if (query.from && query.to && Date.parse(query.from) > Date.parse(query.to)) {
        throw badRequest('from must not be after to', { field: 'from', in: 'query' });
      }
      const q = deps
        .knex('transaction_audit_logs as l')
        .leftJoin('users as u', 'u.id', 'l.actor_id')
        .select<AuditRow[]>(
          'l.id',
          'l.action',
          'l.transaction_id',
          'l.payout_id',
          'l.actor_id',
          'u.name as actor_name',
          'u.email as actor_email',
          'u.role as actor_role',
          'l.metadata',
          'l.ip_address',
          'l.created_at',
        )
        .orderBy([
          { column: 'l.created_at', order: 'desc' },
          { column: 'l.id', order: 'desc' },
        ])
        .limit(query.limit + 1);
      if (query.action) q.where('l.action', query.action);
      if (query.transactionId) q.where('l.transaction_id', query.transactionId);
      if (query.payoutId) q.where('l.payout_id', query.payoutId);
      if (query.actorId) q.where('l.actor_id', query.actorId);
      if (query.from) q.where('l.created_at', '>=', query.from);
      if (query.to) q.where('l.created_at', '<', query.to);
      if (query.cursor) {
        // Keyset paging on (created_at, id) at the database's full precision: stable while entries are appended.
        const after = await deps.knex('transaction_audit_logs').where({ id: query.cursor }).first('id');
        if (!after) throw badRequest('Unknown cursor', { field: 'cursor', in: 'query' });
        q.whereRaw('(l.created_at, l.id) < (select created_at, id from transaction_audit_logs where id = ?)', [
          query.cursor,
        ]);
      }
      const rows = await q;
      const page = rows.slice(0, query.limit);
      return {
        data: page.map((row) => ({
          id: row.id,
          action: row.action,
          transactionId: row.transaction_id,
          payoutId: row.payout_id,
          actor:
            row.actor_id && row.actor_name !== null && row.actor_email !== null && row.actor_role !== null
              ? { id: row.actor_id, name: row.actor_name, email: row.actor_email, role: row.actor_role }
              : null,
          metadata: row.metadata,
          ipAddress: row.ip_address,
          createdAt: row.created_at,
        })),
        nextCursor: rows.length > query.limit ? page[page.length - 1].id : null,
      };
    },
  );
};
