import { ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

const ROOT = path.resolve(__dirname, '../..');

/** Spawns a program with its output going to ours, or appended to `logFile`. */
export function spawnProcess(
  cmd: string,
  args: string[],
  opts: { env?: NodeJS.ProcessEnv; logFile?: string } = {},
): ChildProcess {
  let output: 'inherit' | number = 'inherit';
  if (opts.logFile) {
    fs.mkdirSync(path.dirname(opts.logFile), { recursive: true });
    output = fs.openSync(opts.logFile, 'a');
  }
  const child = spawn(cmd, args, { cwd: ROOT, env: opts.env ?? process.env, stdio: ['ignore', output, output] });
  if (typeof output === 'number') fs.closeSync(output);
  // A failure to spawn surfaces as an exit code check by the caller, not an unhandled 'error' event.
  child.on('error', (err) => opts.logFile && fs.appendFileSync(opts.logFile, `spawn error: ${err.message}\n`));
  return child;
}

/** Starts one of our TypeScript entry points (src/main/*.ts) as a child Node process. */
export function spawnEntry(entry: string, args: string[], env: NodeJS.ProcessEnv, logFile?: string): ChildProcess {
  return spawnProcess(process.execPath, ['--import', 'tsx', path.join(ROOT, 'src/main', entry), ...args], {
    env,
    logFile,
  });
}

/** Asks a child to stop (SIGTERM: the worker drains, the API closes) and waits; SIGKILL after the grace time. */
export async function stopProcess(child: ChildProcess, graceMs = 15_000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  await exited;
  clearTimeout(timer);
}
