import { stopProcess } from '../../src/stack/processes';
import type { TestStackState } from './global-setup';

export default async function globalTeardown(): Promise<void> {
  const state = (globalThis as { __edustream?: TestStackState }).__edustream;
  if (!state) return;
  await stopProcess(state.worker, 10_000);
  await state.scratch?.drop();
  await state.stack.stop();
}
