import { ChildProcess } from 'node:child_process';
import { loadConfig, loadEnvFile } from '../config';
import { DEFAULT_DATA_DIR, startStack } from '../stack';
import { prepareStack } from '../stack/bootstrap';
import { spawnEntry, stopProcess } from '../stack/processes';
import { MissingToolError } from '../stack/tools';

/**
 * `npm run dev`: the whole system on this machine. Starts (or reuses, per the environment) Postgres,
 * the Temporal dev server with its Web UI, S3 and stripe-mock; migrates; then runs the worker (all
 * pools) and the API as child processes. State lives under .data/ and survives restarts. Ctrl-C stops all.
 * `npm run dev -- --services-only` starts just the real parts (e.g. for running tests against them).
 */
async function main(): Promise<void> {
  loadEnvFile();
  if (process.env.NODE_ENV === 'production') {
    console.error(
      '[dev] refused: `npm run dev` starts development services; in production run `npm run api` and `npm run worker`',
    );
    process.exit(2);
  }
  const log = (line: string) => console.log(`[dev] ${line}`);
  const stack = await startStack({ dataDir: DEFAULT_DATA_DIR, persistent: true, ports: 'default', log });
  const env = { ...process.env, ...stack.env };
  const children: ChildProcess[] = [];
  let stopping = false;
  const shutdown = async (code: number) => {
    if (stopping) return;
    stopping = true;
    log('stopping…');
    await Promise.all(children.map((c) => stopProcess(c)));
    await stack.stop();
    log('stopped');
    process.exit(code);
  };
  process.on('SIGINT', () => void shutdown(0));
  process.on('SIGTERM', () => void shutdown(0));

  const servicesOnly = process.argv.includes('--services-only');
  try {
    if (!servicesOnly) await prepareStack(env, log);
  } catch (err) {
    console.error(`[dev] error: ${(err as Error).message}`);
    return shutdown(1);
  }
  const config = loadConfig(env);
  for (const entry of servicesOnly ? [] : ['worker.ts', 'api.ts']) {
    const child = spawnEntry(entry, [], env);
    child.once('exit', (code) => {
      if (!stopping) {
        console.error(`[dev] ${entry} exited (code ${code}); stopping the stack`);
        void shutdown(1);
      }
    });
    children.push(child);
  }
  const api = `http://127.0.0.1:${config.PORT}`;
  if (!servicesOnly && !(await becomesReady(`${api}/readyz`, 60_000))) {
    console.error(`[dev] the API did not answer ${api}/readyz within 60s`);
    return shutdown(1);
  }
  console.log(
    [
      '',
      servicesOnly ? 'EduStream services are running (no API, no worker):' : 'EduStream is running:',
      ...(servicesOnly
        ? []
        : [`  API          ${api}`, `  API docs     ${api}/docs`, `  OpenAPI      ${api}/openapi.json`]),
      `  Temporal UI  ${config.TEMPORAL_UI_URL}`,
      ...Object.entries(stack.urls)
        .filter(([name]) => name !== 'Temporal UI')
        .map(([name, url]) => `  ${name.padEnd(12)} ${url}`),
      ...(servicesOnly
        ? ['Environment for other processes:', ...Object.entries(stack.env).map(([k, v]) => `  ${k}=${v}`)]
        : []),
      'Press Ctrl-C to stop.',
      '',
    ].join('\n'),
  );
}

async function becomesReady(url: string, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const ok = await fetch(url).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) return true;
    await new Promise((r) => setTimeout(r, 250));
  }
  return false;
}

main().catch((err: unknown) => {
  const message = err instanceof Error ? err.message : String(err);
  console.error(err instanceof MissingToolError ? `[dev] ${message}` : `[dev] failed to start: ${message}`);
  process.exit(1);
});
