import { Runtime } from '@temporalio/worker';
import { loadConfig } from '../config';
import { closeDeps, connectTemporal, createDeps } from '../deps';
import { ensureSchedules, writesSchedules } from '../temporal/schedules';
import { createWorkers, parsePools } from '../temporal/worker';
import { startWorkerHealth } from '../temporal/worker-health';
import { runMain } from './run-main';

/** `npm run worker [-- --pools core,payments,media]`: serves the chosen pools (WORKER_POOLS, all by default). */
runMain(async () => {
  const config = loadConfig();
  const flag = process.argv.indexOf('--pools');
  const pools = parsePools(flag >= 0 ? (process.argv[flag + 1] ?? '') : config.WORKER_POOLS);
  if (config.TEMPORAL_METRICS_BIND) {
    // Before any connection: the SDK's runtime (task slots, poll latencies, sticky cache) exports Prometheus there.
    Runtime.install({ telemetryOptions: { metrics: { prometheus: { bindAddress: config.TEMPORAL_METRICS_BIND } } } });
  }
  const deps = createDeps(config, 'worker');
  if (pools.includes('core') && writesSchedules(config)) {
    // The workers that run scheduled workflows keep their Schedules in step with this code.
    const client = await connectTemporal(config);
    await ensureSchedules(client, config);
    await client.connection.close();
  }
  const { workers, connection } = await createWorkers(deps, pools);
  const health =
    config.WORKER_HEALTH_PORT === undefined
      ? undefined
      : await startWorkerHealth(config.WORKER_HEALTH_PORT, workers, config.TEMPORAL_METRICS_BIND);
  deps.log.info(
    {
      pools,
      address: config.TEMPORAL_ADDRESS,
      prefix: config.TASK_QUEUE_PREFIX,
      healthPort: config.WORKER_HEALTH_PORT,
    },
    'worker started',
  );
  // Worker.run() installs SIGINT/SIGTERM handlers that drain in-flight tasks before resolving.
  await Promise.all(workers.map((w) => w.run()));
  health?.close();
  await connection.close();
  await closeDeps(deps);
});
