import { NativeConnection, Worker, WorkerOptions } from '@temporalio/worker';
import { createActivitiesByPool } from '../../activities';
import type { Config } from '../config';
import { temporalUnreachable, type Deps } from '../deps';
import { MEDIA_HEARTBEAT_INTERVAL_MS, Pool, POOLS, taskQueue } from './shared';

export function parsePools(value: string): Pool[] {
  const pools = value
    .split(',')
    .map((p) => p.trim())
    .filter(Boolean);
  const unknown = pools.filter((p) => !(POOLS as readonly string[]).includes(p));
  if (unknown.length || pools.length === 0) {
    throw new Error(`unknown worker pool(s) "${unknown.join(',') || value}"; choose from ${POOLS.join(', ')}`);
  }
  return pools as Pool[];
}

/** Per-pool worker settings: the pool's concurrency is where each kind of work is bounded. */
export function poolOptions(pool: Pool, config: Config): Partial<WorkerOptions> {
  switch (pool) {
    case 'core':
      return { workflowsPath: require.resolve('../../workflows'), maxConcurrentActivityTaskExecutions: 50 };
    case 'payments':
      // Stripe's live-mode limit is 100 requests/s per account: the whole task queue is throttled to it.
      return {
        maxTaskQueueActivitiesPerSecond: config.STRIPE_REQUESTS_PER_SECOND,
        maxConcurrentActivityTaskExecutions: 100,
      };
    case 'media':
      // ffmpeg is CPU-bound: about one job per core. Heartbeats are passed on as often as they come (see the constant).
      return {
        maxConcurrentActivityTaskExecutions: config.MEDIA_CONCURRENCY,
        maxHeartbeatThrottleInterval: MEDIA_HEARTBEAT_INTERVAL_MS,
      };
  }
}

/** Creates one Worker per requested pool on a shared connection; run them with `Promise.all(workers.map(w => w.run()))`. */
export async function createWorkers(
  deps: Deps,
  pools: Pool[],
): Promise<{ workers: Worker[]; connection: NativeConnection }> {
  const { config } = deps;
  const connection = await NativeConnection.connect({ address: config.TEMPORAL_ADDRESS }).catch((err: unknown) => {
    throw temporalUnreachable(config, err);
  });
  const activities = createActivitiesByPool(deps);
  // A pool with nothing registered yet has no worker (Temporal refuses a worker with no task types).
  const servable = pools.filter((pool) => pool === 'core' || Object.keys(activities[pool]).length > 0);
  const workers = await Promise.all(
    servable.map((pool) =>
      Worker.create({
        connection,
        namespace: config.TEMPORAL_NAMESPACE,
        taskQueue: taskQueue(pool, config.TASK_QUEUE_PREFIX),
        activities: activities[pool],
        ...poolOptions(pool, config),
      }),
    ),
  );
  return { workers, connection };
}
