import path from 'node:path';
import { DEFAULT_DATA_DIR } from '../stack';
import { startProductionStack, type ProductionStack } from '../stack/production';
import { MissingToolError } from '../stack/tools';

/**
 * `npm run stack:production`: the production shape on this machine (src/stack/production.ts) — the Temporal server
 * on Postgres with its Web UI, versitygw, mailpit, stripe-mock, nginx in front of two API processes and the workers
 * split by pool, all with NODE_ENV=production and generated secrets. State and logs under .data/production/;
 * Ctrl-C (or SIGTERM) stops everything in order. `npm run test:rehearsal` runs the same stack and breaks it.
 */
async function main(): Promise<void> {
  const log = (line: string) => console.log(`[stack:production] ${line}`);
  const dataDir = path.join(DEFAULT_DATA_DIR, 'production');
  // Filled once started; a signal during start-up exits (startProductionStack stops what it started on failure).
  const running: { stack?: ProductionStack } = {};
  let stopping = false;
  const shutdown = async (code: number) => {
    if (stopping) return;
    stopping = true;
    log('stopping…');
    await running.stack?.stop();
    log('stopped');
    process.exit(code);
  };
  process.on('SIGINT', () => void shutdown(0));
  process.on('SIGTERM', () => void shutdown(0));
  const stack = await startProductionStack({ dataDir, ports: 'default', log });
  running.stack = stack;
  for (const p of [...stack.apis, stack.coreWorker, stack.mediaWorker]) {
    p.child.once('exit', (code, signal) => {
      if (!stopping) log(`${p.name} exited (${signal ?? `code ${code}`}); see ${p.logFile}`);
    });
  }
  const width = Math.max(...Object.keys(stack.urls).map((k) => k.length));
  console.log(
    [
      '',
      'EduStream (production shape) is running:',
      ...Object.entries(stack.urls).map(([name, url]) => `  ${name.padEnd(width)}  ${url}`),
      `  ${'data and logs'.padEnd(width)}  ${dataDir}`,
      `  ${'secrets'.padEnd(width)}  ${path.join(dataDir, 'secrets.json')}`,
      'Press Ctrl-C to stop.',
      '',
    ].join('\n'),
  );
}

main().catch((err: unknown) => {
  const message = err instanceof Error ? err.message : String(err);
  console.error(
    err instanceof MissingToolError ? `[stack:production] ${message}` : `[stack:production] failed: ${message}`,
  );
  process.exit(1);
});
