import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client } from 'pg';
import { startStack } from './index';
import { loadConfig } from '../config';
import { connectTemporal } from '../deps';
import { prepareStack } from './bootstrap';
import { spawnEntry, stopProcess } from './processes';
import { waitForWorkers } from './wait-for-workers';

export interface EphemeralSystem {
  /** The environment to build deps from (DATABASE_URL, TEMPORAL_ADDRESS, TASK_QUEUE_PREFIX, ...). */
  env: NodeJS.ProcessEnv;
  dataDir: string;
  workerLog: string;
  /** The worker process; tests may kill and restart it (see restartWorker). */
  worker: ChildProcess;
  restartWorker(): Promise<void>;
  /**
   * Stops the system's own Postgres (started when `baseEnv` names none) and starts it again with its data;
   * `whileDown` runs during the outage. Fault tests use it; a shared Postgres is never restarted.
   */
  restartPostgres(whileDown?: () => Promise<void>): Promise<void>;
  stop(): Promise<void>;
}

/**
 * A throw-away system for tests and benchmarks: the real parts (or the ones `baseEnv` names — then in a
 * fresh database and on private task queues), migrated, with one worker process serving every pool.
 */
export async function startEphemeralSystem(
  baseEnv: NodeJS.ProcessEnv,
  log: (line: string) => void,
  overrides: NodeJS.ProcessEnv = {},
): Promise<EphemeralSystem> {
  const runId = randomBytes(4).toString('hex');
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'edustream-'));
  const stack = await startStack({ dataDir, persistent: false, ports: 'free', log, env: baseEnv });
  const workerLog = path.join(dataDir, 'logs', 'worker.log');
  let worker: ChildProcess | undefined;
  let scratch: { drop(): Promise<void> } | undefined;
  const env: NodeJS.ProcessEnv = {
    ...baseEnv,
    ...stack.env,
    LOG_LEVEL: baseEnv.LOG_LEVEL ?? 'warn',
    TASK_QUEUE_PREFIX: `t${runId}-`,
    ...overrides,
  };
  const stop = async () => {
    if (worker) {
      await stopProcess(worker, 10_000);
      // On a shared Temporal server, the Schedules the worker created would keep firing at queues nobody polls.
      await deleteSchedules(env).catch(() => undefined);
    }
    await scratch?.drop().catch(() => undefined);
    await stack.stop();
  };
  try {
    if (baseEnv.DATABASE_URL) {
      const db = await createScratchDatabase(baseEnv.DATABASE_URL, `edustream_scratch_${runId}`);
      scratch = db;
      env.DATABASE_URL = db.url;
    }
    await prepareStack(env, log);
    const startWorker = async () => {
      worker = spawnEntry('worker.ts', [], env, workerLog);
      await waitForWorkers(env, worker, workerLog);
    };
    await startWorker();
    return {
      env,
      dataDir,
      workerLog,
      get worker() {
        return worker as ChildProcess;
      },
      async restartWorker() {
        if (worker) await stopProcess(worker, 10_000);
        await startWorker();
      },
      restartPostgres: (whileDown) => stack.restart('postgres', whileDown),
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}

/** Deletes the Schedules this run created (their ids start with its task-queue prefix). */
async function deleteSchedules(env: NodeJS.ProcessEnv): Promise<void> {
  const prefix = env.TASK_QUEUE_PREFIX;
  if (!prefix) return;
  const client = await connectTemporal(loadConfig(env));
  try {
    for await (const schedule of client.schedule.list()) {
      if (schedule.scheduleId.startsWith(prefix)) await client.schedule.getHandle(schedule.scheduleId).delete();
    }
  } finally {
    await client.connection.close();
  }
}

/** A fresh database on a server the environment provides, so concurrent runs never share tables; dropped at the end. */
async function createScratchDatabase(serverUrl: string, name: string): Promise<{ url: string; drop(): Promise<void> }> {
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
