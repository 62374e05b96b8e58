import { startEphemeralSystem, type EphemeralSystem } from '../../src/stack/ephemeral';

/**
 * Provisions the real parts for the service tests (Postgres, Temporal dev server, stripe-mock, S3), or uses
 * the ones the environment names, migrates a fresh database and starts a worker process serving every pool
 * on task queues private to this run. Test files read the resulting process.env.
 */
export default async function globalSetup(): Promise<void> {
  const started = Date.now();
  const log = (line: string) => process.stderr.write(`[test-stack] ${line}\n`);
  const system = await startEphemeralSystem(process.env, log, { NODE_ENV: 'test' });
  Object.assign(process.env, system.env, { EDUSTREAM_TEST_DATA_DIR: system.dataDir, EDUSTREAM_WORKER_LOG: system.workerLog });
  (globalThis as { __edustream?: EphemeralSystem }).__edustream = system;
  log(`ready in ${((Date.now() - started) / 1000).toFixed(1)}s (logs: ${system.dataDir}/logs)`);
}
