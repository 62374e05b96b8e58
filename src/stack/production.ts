import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { bundleWorkflowCode } from '@temporalio/worker';
import { Client } from 'pg';
import { prepareStack } from './bootstrap';
import { startNginx } from './nginx';
import { spawnEntry, stopProcess } from './processes';
import { freePort, startMailpit, startPostgres, startS3, startStripeMock, waitFor, type Service } from './services';
import { freeLowPort, startTemporalServer, type TemporalServer } from './temporal-server';
import { startTemporalUi } from './temporal-ui';
import { ffmpegPaths } from '../media/ffmpeg-binaries';
import { waitForWorkers } from './wait-for-workers';

/**
 * The production shape on one machine, from real binaries (no Docker engine here): Postgres; the Temporal server
 * (not the CLI's dev server) with persistence and visibility on Postgres; versitygw (S3 that checks signatures);
 * mailpit; stripe-mock; nginx in front of two API processes; the workers split by pool — core+payments in one
 * process, media in another — as the README recommends for production. Every process of ours runs with
 * NODE_ENV=production and secrets generated once into <dataDir>/secrets.json. `npm run stack:production` starts
 * it; `npm run test:rehearsal` starts one of its own and breaks it (tests/rehearsal).
 */

export interface ProductionStackOptions {
  dataDir: string;
  /** Fixed ports (`npm run stack:production`) or free ones (the rehearsal, beside anything else running). */
  ports: 'default' | 'free';
  log: (line: string) => void;
  /** Settings for the app processes on top of the generated ones (e.g. a short ESCROW_HOLD for the rehearsal). */
  appEnv?: Record<string, string>;
}

/** One of our processes (an API or a worker); the rehearsal kills and restarts them. */
export interface AppProcess {
  name: string;
  logFile: string;
  readonly child: ChildProcess;
  /** Starts it (again) and waits until it serves. */
  start(): Promise<void>;
  /** SIGTERM, then SIGKILL after the grace time. */
  stop(graceMs?: number): Promise<void>;
  /** kill -9, waiting until it is gone. */
  kill(): Promise<void>;
  /** Its metrics endpoint, when the process has one. */
  metricsUrl?: string;
}

export interface ProductionStack {
  /** The public entry: nginx. */
  url: string;
  /** What the app processes run with (secrets included: the rehearsal signs webhooks with STRIPE_WEBHOOK_SECRET). */
  env: Record<string, string>;
  urls: Record<string, string>;
  apis: AppProcess[];
  coreWorker: AppProcess;
  mediaWorker: AppProcess;
  temporal: TemporalServer;
  mailpitApi: string;
  stop(): Promise<void>;
}

const DEFAULT_PORTS = {
  nginx: 8080,
  api1: 3101,
  api2: 3102,
  postgres: 54339,
  temporal: 7433,
  temporalMetrics: 9091,
  temporalUi: 8433,
  s3: 7070,
  smtp: 1025,
  mailpit: 8025,
  stripeMock: 12211,
  stripeMockHttps: 12212,
  coreWorkerMetrics: 9464,
  mediaWorkerMetrics: 9465,
};

interface Secrets {
  JWT_SECRET: string;
  STRIPE_SECRET_KEY: string;
  STRIPE_WEBHOOK_SECRET: string;
  appDbPassword: string;
  temporalDbPassword: string;
}

/** Generated on the first start and kept (mode 600): the data under dataDir was written with them. */
function loadSecrets(dataDir: string): Secrets {
  const file = path.join(dataDir, 'secrets.json');
  if (fs.existsSync(file)) return JSON.parse(fs.readFileSync(file, 'utf8')) as Secrets;
  const secrets: Secrets = {
    JWT_SECRET: randomBytes(48).toString('base64'),
    // stripe-mock takes any test key; the shape is a real one's, so production mode's check applies unchanged.
    STRIPE_SECRET_KEY: `sk_test_${randomBytes(24).toString('hex')}`,
    STRIPE_WEBHOOK_SECRET: `whsec_${randomBytes(32).toString('base64')}`,
    appDbPassword: randomBytes(24).toString('hex'),
    temporalDbPassword: randomBytes(24).toString('hex'),
  };
  fs.mkdirSync(dataDir, { recursive: true });
  fs.writeFileSync(file, JSON.stringify(secrets, null, 2), { mode: 0o600 });
  return secrets;
}

/** A login role per consumer, as on a managed Postgres: the app owns its database, Temporal may create its two. */
async function createRoles(superuserUrl: string, secrets: Secrets): Promise<void> {
  const client = new Client({ connectionString: superuserUrl });
  await client.connect();
  try {
    const role = async (name: string, password: string, extra: string) => {
      const exists = await client.query('select 1 from pg_roles where rolname = $1', [name]);
      const verb = exists.rowCount ? 'alter' : 'create';
      await client.query(`${verb} role ${name} with login ${extra} password '${password}'`);
    };
    await role('edustream', secrets.appDbPassword, '');
    await role('temporal', secrets.temporalDbPassword, 'createdb');
    await client.query('alter database edustream owner to edustream');
  } finally {
    await client.end();
  }
}

async function buildWorkflowBundle(dataDir: string): Promise<string> {
  const { code } = await bundleWorkflowCode({ workflowsPath: require.resolve('../../workflows') });
  const file = path.join(dataDir, 'workflow-bundle.js');
  fs.writeFileSync(file, code);
  return file;
}

async function becomesReady(url: string, child: ChildProcess, what: string, timeoutMs = 90_000): Promise<void> {
  await waitFor(what, async () => (await fetch(url)).ok, timeoutMs, child);
}

export async function startProductionStack(opts: ProductionStackOptions): Promise<ProductionStack> {
  const { dataDir, log } = opts;
  const port = async (name: keyof typeof DEFAULT_PORTS) =>
    opts.ports === 'default' ? DEFAULT_PORTS[name] : freePort();
  fs.mkdirSync(path.join(dataDir, 'logs'), { recursive: true });
  const secrets = loadSecrets(dataDir);
  const services: Service[] = [];
  const processes: AppProcess[] = [];
  let nginx: Service | undefined;
  const stop = async () => {
    // Traffic first (nginx, the APIs), then the workers (they drain), then what they depend on.
    await nginx?.stop().catch(() => undefined);
    for (const p of [...processes].reverse()) await p.stop().catch(() => undefined);
    for (const s of [...services].reverse()) await s.stop().catch(() => undefined);
  };
  const started = async <T extends Service>(name: string, fn: () => Promise<T>): Promise<T> => {
    log(`${name}: starting…`);
    const service = await fn();
    services.push(service);
    return service;
  };

  try {
    const pgPort = await port('postgres');
    const postgres = await started('postgres', () =>
      startPostgres({ dataDir, port: pgPort, persistent: true, database: 'edustream' }),
    );
    await createRoles(postgres.env.DATABASE_URL, secrets);
    const namespace = 'edustream';
    const temporal = await started('temporal server', async () =>
      startTemporalServer({
        dataDir,
        // Its ports go into a SMALLINT column: in the free-port mode they come from below 32768.
        port: opts.ports === 'default' ? DEFAULT_PORTS.temporal : await freeLowPort(),
        metricsPort: await port('temporalMetrics'),
        db: { host: '127.0.0.1', port: pgPort, user: 'temporal', password: secrets.temporalDbPassword },
        namespace,
        retention: '720h',
        log,
      }),
    );
    const ui = await started('temporal ui', async () =>
      startTemporalUi({ dataDir, port: await port('temporalUi'), temporalAddress: temporal.address, namespace, log }),
    );
    const s3 = await started('versitygw', async () =>
      startS3({ dataDir, port: await port('s3'), bucket: 'edustream-course-videos', log }),
    );
    const mailpit = await started('mailpit', async () =>
      startMailpit({ dataDir, smtpPort: await port('smtp'), httpPort: await port('mailpit'), log }),
    );
    const stripe = await started('stripe-mock', async () =>
      startStripeMock({ dataDir, port: await port('stripeMock'), httpsPort: await port('stripeMockHttps'), log }),
    );
    const apiPorts = [await port('api1'), await port('api2')];
    const nginxPort = await port('nginx');
    const publicUrl = `http://127.0.0.1:${nginxPort}`;
    // The media worker runs ffmpeg from the system in production; here it may be the npm package's binary.
    const { ffmpeg, ffprobe } = ffmpegPaths({ ...process.env, NODE_ENV: 'development' });
    const env: Record<string, string> = {
      NODE_ENV: 'production',
      LOG_LEVEL: 'info',
      PUBLIC_URL: publicUrl,
      FRONTEND_URL: publicUrl,
      CORS_ORIGINS: publicUrl,
      // nginx, on loopback, is the one proxy in front of the APIs: trust its X-Forwarded-For, one hop.
      TRUST_PROXY: '127.0.0.1',
      PROXY_HOPS: '1',
      DATABASE_URL: `postgres://edustream:${secrets.appDbPassword}@127.0.0.1:${pgPort}/edustream`,
      ...temporal.env,
      TEMPORAL_UI_URL: ui.urls?.['Temporal UI'] ?? '',
      ...s3.env,
      ...mailpit.env,
      ...stripe.env,
      STRIPE_SECRET_KEY: secrets.STRIPE_SECRET_KEY,
      STRIPE_WEBHOOK_SECRET: secrets.STRIPE_WEBHOOK_SECRET,
      JWT_SECRET: secrets.JWT_SECRET,
      FFMPEG_PATH: ffmpeg,
      FFPROBE_PATH: ffprobe,
      ...opts.appEnv,
    };
    // Only what a deployed process would have: no setting leaks in from the shell that started the stack.
    const childEnv: Record<string, string> = {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '',
      TMPDIR: os.tmpdir(),
      ...env,
    };

    // Migrations and the bucket, as a deploy's migrate step does; the search attributes came from the setup script.
    await prepareStack(env, log, { searchAttributes: false });
    // Production workers load a prebuilt workflow bundle (the image's `npm run build:workflows`), never webpack.
    childEnv.WORKFLOW_BUNDLE_PATH = await buildWorkflowBundle(dataDir);

    const worker = async (name: string, pools: string, metricsPort: number): Promise<AppProcess> => {
      const logFile = path.join(dataDir, 'logs', `${name}.log`);
      let child: ChildProcess | undefined;
      const proc: AppProcess = {
        name,
        logFile,
        metricsUrl: `http://127.0.0.1:${metricsPort}/metrics`,
        get child() {
          return child as ChildProcess;
        },
        async start() {
          // One scrape target per worker: its /metrics serves ours and the Temporal SDK's (exported on a side port).
          const workerEnv = {
            ...childEnv,
            WORKER_POOLS: pools,
            WORKER_HEALTH_PORT: String(metricsPort),
            TEMPORAL_METRICS_BIND: `127.0.0.1:${await freePort()}`,
          };
          child = spawnEntry('worker.ts', ['--pools', pools], workerEnv, logFile);
          await waitForWorkers(workerEnv, child, logFile, 120_000, pools.startsWith('core') ? 'core' : 'media');
        },
        stop: async (graceMs = 60_000) => {
          if (child) await stopProcess(child, graceMs);
        },
        kill: async () => killNow(child),
      };
      return proc;
    };
    const api = (index: number, apiPort: number): AppProcess => {
      const name = `api-${index}`;
      const logFile = path.join(dataDir, 'logs', `${name}.log`);
      let child: ChildProcess | undefined;
      return {
        name,
        logFile,
        metricsUrl: `http://127.0.0.1:${apiPort}/metrics`,
        get child() {
          return child as ChildProcess;
        },
        async start() {
          child = spawnEntry('api.ts', [], { ...childEnv, PORT: String(apiPort) }, logFile);
          await becomesReady(`http://127.0.0.1:${apiPort}/readyz`, child, `${name} on port ${apiPort}`);
        },
        stop: async (graceMs = 15_000) => {
          if (child) await stopProcess(child, graceMs);
        },
        kill: async () => killNow(child),
      };
    };

    const coreWorker = await worker('worker-core', 'core,payments', await port('coreWorkerMetrics'));
    const mediaWorker = await worker('worker-media', 'media', await port('mediaWorkerMetrics'));
    for (const w of [coreWorker, mediaWorker]) {
      log(`${w.name}: starting…`);
      await w.start();
      processes.push(w);
    }
    const apis = apiPorts.map((p, i) => api(i + 1, p));
    for (const a of apis) {
      log(`${a.name}: starting…`);
      await a.start();
      processes.push(a);
    }
    log('nginx: starting…');
    nginx = await startNginx({ dataDir, port: nginxPort, upstreams: apiPorts });

    const urls: Record<string, string> = {
      'API (nginx)': publicUrl,
      'API docs': `${publicUrl}/docs`,
      ...Object.fromEntries(apis.map((a, i) => [`${a.name} (direct)`, `http://127.0.0.1:${apiPorts[i]}`])),
      ...Object.assign({}, ...services.map((s) => s.urls ?? {})),
      'mailpit API': `${mailpit.urls?.['mailpit API']}`,
      'core worker metrics': coreWorker.metricsUrl as string,
      'media worker metrics': mediaWorker.metricsUrl as string,
    };
    return {
      url: publicUrl,
      env,
      urls,
      apis,
      coreWorker,
      mediaWorker,
      temporal,
      mailpitApi: (mailpit.urls?.['mailpit API'] as string).replace(/\/api\/v1\/messages$/, ''),
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}

async function killNow(child: ChildProcess | undefined): Promise<void> {
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const gone = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGKILL');
  await gone;
}
