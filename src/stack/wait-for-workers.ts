import type { ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import { Connection } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { taskQueue } from '../../src/temporal/shared';

/**
 * Waits until the worker polls the core queue for workflow and activity tasks (its other pools' workers are
 * created together with it and start at the same moment), or fails with the worker's log. Pollers are told
 * apart by identity (the SDK's default is `<pid>@<host>`): a restarted worker's predecessor stays listed
 * for a while after it stopped polling.
 */
export async function waitForWorkers(
  env: NodeJS.ProcessEnv,
  worker: ChildProcess,
  logFile: string,
  timeoutMs = 120_000,
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
      const checks = await Promise.all([
        polled(taskQueue('core', env.TASK_QUEUE_PREFIX), TASK_QUEUE_TYPE_WORKFLOW),
        polled(taskQueue('core', env.TASK_QUEUE_PREFIX), TASK_QUEUE_TYPE_ACTIVITY),
      ]);
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
