import { loadConfig } from '../config';
import { closeDeps, connectTemporal, createDeps } from '../deps';
import { ensurePayoutSchedule } from '../payouts/run';
import { createWorkers, parsePools } from '../temporal/worker';
import { runMain } from './run-main';

/** `npm run worker [-- --pools core,payments,media]`: serves the chosen pools (WORKER_POOLS, all by default). */
runMain(async () => {
  const config = loadConfig();
  const flag = process.argv.indexOf('--pools');
  const pools = parsePools(flag >= 0 ? (process.argv[flag + 1] ?? '') : config.WORKER_POOLS);
  const deps = createDeps(config, 'worker');
  const { workers, connection } = await createWorkers(deps, pools);
  deps.log.info({ pools, address: config.TEMPORAL_ADDRESS, prefix: config.TASK_QUEUE_PREFIX }, 'worker started');
  if (pools.includes('core')) {
    // The monthly payout Schedule starts workflows on the core queue: whoever serves it keeps the Schedule current.
    const client = await connectTemporal(config);
    try {
      deps.log.info({ schedule: await ensurePayoutSchedule(client, config) }, 'payout schedule ready');
    } finally {
      await client.connection.close();
    }
  }
  // Worker.run() installs SIGINT/SIGTERM handlers that drain in-flight tasks before resolving.
  await Promise.all(workers.map((w) => w.run()));
  await connection.close();
  await closeDeps(deps);
});
