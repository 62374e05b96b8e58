import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client } from 'pg';
import { Stack, startStack } from '../../src/stack';
import { prepareStack } from '../../src/stack/bootstrap';
import { spawnEntry, stopProcess } from '../../src/stack/processes';
import { waitForWorkers } from './workers';

/**
 * Provisions the real parts for the service tests (Postgres, Temporal dev server, stripe-mock, S3), or uses
 * the ones the environment names, then migrates a fresh database and starts a worker process serving
 * every pool on task queues private to this run. Test files read the resulting process.env.
 */
export default async function globalSetup(): Promise<void> {
  const started = Date.now();
  const runId = randomBytes(4).toString('hex');
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'edustream-test-'));
  const log = (line: string) => process.stderr.write(`[test-stack] ${line}\n`);
  const stack = await startStack({ dataDir, persistent: false, ports: 'free', log });
  let worker: ChildProcess | undefined;
  let scratch: ScratchDatabase | undefined;
  try {
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      ...stack.env,
      NODE_ENV: 'test',
      LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn',
      TASK_QUEUE_PREFIX: `t${runId}-`,
    };
    if (process.env.DATABASE_URL) {
      scratch = await createScratchDatabase(process.env.DATABASE_URL, `edustream_test_${runId}`);
      env.DATABASE_URL = scratch.url;
    }
    await prepareStack(env, log);

    const workerLog = path.join(dataDir, 'logs', 'worker.log');
    worker = spawnEntry('worker.ts', [], env, workerLog);
    await waitForWorkers(env, worker, workerLog);
    Object.assign(process.env, env, { EDUSTREAM_TEST_DATA_DIR: dataDir, EDUSTREAM_WORKER_LOG: workerLog });
  } catch (err) {
    if (worker) await stopProcess(worker, 5000);
    await scratch?.drop();
    await stack.stop();
    throw err;
  }
  (globalThis as { __edustream?: TestStackState }).__edustream = { stack, worker, scratch };
  log(`ready in ${((Date.now() - started) / 1000).toFixed(1)}s (logs: ${dataDir}/logs)`);
}

export interface ScratchDatabase {
  url: string;
  drop(): Promise<void>;
}

export interface TestStackState {
  stack: Stack;
  worker: ChildProcess;
  scratch?: ScratchDatabase;
}

/** A fresh database on a server the environment provides, so concurrent runs never share tables; dropped at the end. */
async function createScratchDatabase(serverUrl: string, name: string): Promise<ScratchDatabase> {
  const admin = async (sql: string) => {
    const client = new Client({ connectionString: serverUrl });
    await client.connect();
    try {
      await client.query(sql);
    } finally {
      await client.end();
    }
  };
  await admin(`create database "${name}"`);
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return { url: url.toString(), drop: () => admin(`drop database if exists "${name}" with (force)`) };
}
