import type { EphemeralSystem } from '../../src/stack/ephemeral';

export default async function globalTeardown(): Promise<void> {
  await (globalThis as { __edustream?: EphemeralSystem }).__edustream?.stop();
}
