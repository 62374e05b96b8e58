import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import path from 'node:path';

const ROOT = path.resolve(__dirname, '../..');
const TSX = path.join(ROOT, 'node_modules/.bin/tsx');

export interface EntryResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs a real entry point (`tsx src/main/<name>.ts`) with exactly `env` (plus PATH and HOME), as an operator
 * would; `cwd` is where it looks for `.env`.
 */
export function runEntry(
  name: string,
  env: Record<string, string | undefined>,
  options: { args?: string[]; cwd?: string } = {},
): Promise<EntryResult> {
  const clean = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined)) as Record<string, string>;
  const child = spawn(TSX, [path.join(ROOT, 'src/main', `${name}.ts`), ...(options.args ?? [])], {
    cwd: options.cwd ?? ROOT,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...clean },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** Settings production accepts; the addresses lead nowhere (port 1), so a command that gets past them says so. */
export function productionEnv(): Record<string, string> {
  return {
    NODE_ENV: 'production',
    JWT_SECRET: randomBytes(32).toString('base64'),
    STRIPE_SECRET_KEY: `sk_test_${randomBytes(24).toString('hex')}`,
    STRIPE_WEBHOOK_SECRET: `whsec_${randomBytes(24).toString('base64url').replace(/[-_]/g, 'x')}`,
    DATABASE_URL: 'postgres://edustream:secret@127.0.0.1:1/edustream',
    TEMPORAL_ADDRESS: '127.0.0.1:1',
    PUBLIC_URL: 'https://api.edustream.example',
    FRONTEND_URL: 'https://edustream.example',
    LOG_LEVEL: 'silent',
  };
}
