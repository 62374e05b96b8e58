import type { ChildProcess } from 'node:child_process';
import type { Stack } from '../../src/stack';
import { stopProcess } from '../../src/stack/processes';

export default async function globalTeardown(): Promise<void> {
  const state = (globalThis as { __edustream?: { stack: Stack; worker: ChildProcess } }).__edustream;
  if (!state) return;
  await stopProcess(state.worker, 10_000);
  await state.stack.stop();
}
