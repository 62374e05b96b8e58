import { startEphemeralSystem, type EphemeralSystem } from '../../src/stack/ephemeral';

/**
 * Provisions the real parts for the service tests (Postgres, Temporal dev server, stripe-mock, S3), or uses
 * the ones the environment names, migrates a fresh database and starts a worker process serving every pool
 * on task queues private to this run. Test files read the resulting process.env.
 */
export default async function globalSetup(): Promise<void> {
  const started = Date.now();
  const log = (line: string) => process.stderr.write(`[test-stack] ${line}\n`);
  // Every test file calls the API from 127.0.0.1: per-IP limits would throttle the suite, so only the
  // rate-limit tests turn them on (startTestApi({ env: { RATE_LIMITS_ENABLED: 'true' } })).
  const system = await startEphemeralSystem(process.env, log, { NODE_ENV: 'test', RATE_LIMITS_ENABLED: 'false' });
  Object.assign(process.env, system.env, {
    EDUSTREAM_TEST_DATA_DIR: system.dataDir,
    EDUSTREAM_WORKER_LOG: system.workerLog,
  });
  (globalThis as { __edustream?: EphemeralSystem }).__edustream = system;
  log(`ready in ${((Date.now() - started) / 1000).toFixed(1)}s (logs: ${system.dataDir}/logs)`);
}
