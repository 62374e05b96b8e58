import type { ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import { Connection } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { taskQueue } from '../../src/temporal/shared';

/**
 * Waits until the worker polls the pool's queue (core by default) for workflow and activity tasks (its other
 * pools' workers are created together with it and start at the same moment), or fails with the worker's log. Pollers are told
 * apart by identity (the SDK's default is `<pid>@<host>`): a restarted worker's predecessor stays listed
 * for a while after it stopped polling.
 */
export async function waitForWorkers(
  env: NodeJS.ProcessEnv,
  worker: ChildProcess,
  logFile: string,
  timeoutMs = 120_000,
  pool: 'core' | 'media' = 'core',
): Promise<void> {
  const connection = await Connection.connect({ address: env.TEMPORAL_ADDRESS });
  const namespace = env.TEMPORAL_NAMESPACE ?? 'default';
  const { TASK_QUEUE_TYPE_WORKFLOW, TASK_QUEUE_TYPE_ACTIVITY } = temporal.api.enums.v1.TaskQueueType;
  const polled = async (name: string, taskQueueType: temporal.api.enums.v1.TaskQueueType) => {
    const res = await connection.workflowService.describeTaskQueue({ namespace, taskQueue: { name }, taskQueueType });
    return (res.pollers ?? []).some((poller) => poller.identity?.startsWith(`${worker.pid}@`));
  };
  const deadline = Date.now() + timeoutMs;
  try {
    for (;;) {
      if (worker.exitCode !== null) throw new Error(`worker exited with code ${worker.exitCode}:\n${tail(logFile)}`);
      // The media pool runs activities only.
      const types = pool === 'core' ? [TASK_QUEUE_TYPE_WORKFLOW, TASK_QUEUE_TYPE_ACTIVITY] : [TASK_QUEUE_TYPE_ACTIVITY];
      const checks = await Promise.all(types.map((type) => polled(taskQueue(pool, env.TASK_QUEUE_PREFIX), type)));
      if (checks.every(Boolean)) return;
      if (Date.now() > deadline) throw new Error(`worker not polling after ${timeoutMs / 1000}s:\n${tail(logFile)}`);
      await new Promise((r) => setTimeout(r, 250));
    }
  } finally {
    await connection.close();
  }
}

function tail(file: string, lines = 40): string {
  try {
    return fs.readFileSync(file, 'utf8').split('\n').slice(-lines).join('\n');
  } catch {
    return '(no worker log)';
  }
}
