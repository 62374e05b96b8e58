import { z } from 'zod';
import type { RouteModule } from '../http/context';
import { defineRoute } from '../http/define-route';

/** Each dependency gets this long; a probe that hangs is worse than one that says "no". */
const CHECK_TIMEOUT_MS = 2_000;

const CheckResult = z.enum(['ok', 'error', 'timeout']);
type CheckResult = z.infer<typeof CheckResult>;

const Readiness = z
  .object({
    status: z.enum(['ok', 'unavailable']),
    checks: z.object({ postgres: CheckResult, temporal: CheckResult }),
  })
  .openapi('Readiness');

class CheckTimeout extends Error {}

async function check(run: () => Promise<unknown>, onError: (err: unknown) => void): Promise<CheckResult> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new CheckTimeout()), CHECK_TIMEOUT_MS);
  });
  try {
    await Promise.race([run(), timeout]);
    return 'ok';
  } catch (err) {
    onError(err);
    return err instanceof CheckTimeout ? 'timeout' : 'error';
  } finally {
    clearTimeout(timer);
  }
}

/** Liveness (is the process serving?) and readiness (can it do useful work?) for orchestrators. */
export const healthRoutes: RouteModule = (router, registry, deps) => {
  defineRoute(
    router,
    registry,
    {
      method: 'get',
      path: '/healthz',
      summary: 'Liveness: the process is up',
      tags: ['ops'],
      auth: 'public',
      responses: { 200: z.object({ status: z.literal('ok') }) },
    },
    async () => ({ status: 'ok' as const }),
  );

  defineRoute(
    router,
    registry,
    {
      method: 'get',
      path: '/readyz',
      summary: 'Readiness: Postgres and Temporal answer',
      description: `Each check has a ${CHECK_TIMEOUT_MS} ms budget; 503 names the failing dependency.`,
      tags: ['ops'],
      auth: 'public',
      responses: { 200: Readiness, 503: Readiness },
    },
    async (ctx) => {
      const log = (name: string) => (err: unknown) =>
        ctx.state.log.warn({ err, check: name }, 'readiness check failed');
      const [postgres, temporal] = await Promise.all([
        check(() => deps.knex.raw('select 1'), log('postgres')),
        check(
          // The deadline also cancels the gRPC call itself, not only our wait for it.
          () =>
            deps.temporal.connection.withDeadline(Date.now() + CHECK_TIMEOUT_MS, () =>
              deps.temporal.workflowService.getSystemInfo({}),
            ),
          log('temporal'),
        ),
      ]);
      const ready = postgres === 'ok' && temporal === 'ok';
      ctx.status = ready ? 200 : 503;
      ctx.set('Cache-Control', 'no-store');
      return { status: ready ? ('ok' as const) : ('unavailable' as const), checks: { postgres, temporal } };
    },
  );
};
