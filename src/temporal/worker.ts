import fs from 'node:fs';
import path from 'node:path';
import { NativeConnection, Worker, WorkerOptions } from '@temporalio/worker';
import { createActivitiesByPool } from '../../activities';
import type { Config } from '../config';
import { parseDuration } from '../domain/time';
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

/** Where a prebuilt bundle is looked for when WORKFLOW_BUNDLE_PATH is not set (the image builds it there). */
export const DEFAULT_WORKFLOW_BUNDLE = path.resolve(__dirname, '../../dist/workflow-bundle.js');

/**
 * Production runs the workflow bundle built with the image (the same code on every replica, no webpack at
 * start-up); development bundles the sources at each start.
 */
function workflowCode(config: Config): Pick<WorkerOptions, 'workflowsPath' | 'workflowBundle'> {
  const codePath = config.WORKFLOW_BUNDLE_PATH ?? (config.isProduction ? DEFAULT_WORKFLOW_BUNDLE : undefined);
  if (!codePath) return { workflowsPath: require.resolve('../../workflows') };
  if (!fs.existsSync(codePath)) throw new Error(`no workflow bundle at ${codePath}: run npm run build:workflows`);
  return { workflowBundle: { codePath } };
}

/** How long each pool's running activities may finish after SIGTERM before they are cancelled. */
export function shutdownOptions(
  pool: Pool,
  config: Config,
): Pick<WorkerOptions, 'shutdownGraceTime' | 'shutdownForceTime'> {
  const grace = parseDuration(
    { core: config.SHUTDOWN_GRACE_CORE, payments: config.SHUTDOWN_GRACE_PAYMENTS, media: config.SHUTDOWN_GRACE_MEDIA }[
      pool
    ],
  );
  return { shutdownGraceTime: grace, shutdownForceTime: grace + parseDuration(config.SHUTDOWN_FORCE_AFTER) };
}

/** Per-pool worker settings: the pool's concurrency is where each kind of work is bounded. */
export function poolOptions(pool: Pool, config: Config): Partial<WorkerOptions> {
  switch (pool) {
    case 'core':
      return { ...workflowCode(config), maxConcurrentActivityTaskExecutions: 50 };
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
        ...shutdownOptions(pool, config),
      }),
    ),
  );
  return { workers, connection };
}
