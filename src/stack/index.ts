import path from 'node:path';
import { freePort, Service, startPostgres, startS3, startStripeMock, startTemporal } from './services';

export interface StackOptions {
  /** Where services keep their state and logs. */
  dataDir: string;
  /** Keep state between starts (dev) or throw it away (tests). */
  persistent: boolean;
  /** Fixed ports (dev) or free ones (tests). */
  ports: 'default' | 'free';
  log: (line: string) => void;
  /** What the environment already provides is used instead of starting a local part. */
  env?: NodeJS.ProcessEnv;
}

export interface Stack {
  env: Record<string, string>;
  urls: Record<string, string>;
  stop(): Promise<void>;
  /** Restarts a part this stack started (one the environment provides is not ours to restart). */
  restart(name: string, whileDown?: () => Promise<void>): Promise<void>;
}

const DEFAULT_PORTS = {
  postgres: 54329,
  temporal: 7233,
  temporalUi: 8233,
  stripeMock: 12111,
  stripeMockHttps: 12112,
  s3: 4569,
};

/** Starts the real parts the system needs (DESIGN §6), skipping any the environment already points at. */
export async function startStack(opts: StackOptions): Promise<Stack> {
  const env = opts.env ?? process.env;
  // Embedded Postgres, the Temporal dev server, versitygw and stripe-mock are development parts only.
  if (env.NODE_ENV === 'production') {
    throw new Error(
      'the development stack is never started with NODE_ENV=production; point the settings at real services',
    );
  }
  const port = async (name: keyof typeof DEFAULT_PORTS) =>
    opts.ports === 'default' ? DEFAULT_PORTS[name] : freePort();
  const started: Service[] = [];
  const stop = async () => {
    for (const service of started.reverse()) await service.stop().catch(() => undefined);
  };
  try {
    const start = async (skip: boolean, name: string, fn: () => Promise<Service>) => {
      if (skip) {
        opts.log(`${name}: using the one configured in the environment`);
        return;
      }
      opts.log(`${name}: starting…`);
      started.push(await fn());
    };
    await start(!!env.DATABASE_URL, 'postgres', async () =>
      startPostgres({
        dataDir: opts.dataDir,
        port: await port('postgres'),
        persistent: opts.persistent,
        database: 'edustream',
      }),
    );
    await start(!!env.TEMPORAL_ADDRESS, 'temporal', async () =>
      startTemporal({
        dataDir: opts.dataDir,
        port: await port('temporal'),
        uiPort: await port('temporalUi'),
        persistent: opts.persistent,
        log: opts.log,
      }),
    );
    // stripe-mock only when no Stripe endpoint or real key is configured.
    const realStripe = !!env.STRIPE_SECRET_KEY && !env.STRIPE_SECRET_KEY.startsWith('sk_test_123');
    await start(!!env.STRIPE_API_BASE || realStripe, 'stripe-mock', async () =>
      startStripeMock({
        dataDir: opts.dataDir,
        port: await port('stripeMock'),
        httpsPort: await port('stripeMockHttps'),
        log: opts.log,
      }),
    );
    await start(!!env.S3_ENDPOINT, 's3', async () =>
      startS3({
        dataDir: opts.dataDir,
        port: await port('s3'),
        bucket: env.S3_BUCKET ?? 'edustream-course-videos',
        log: opts.log,
      }),
    );
  } catch (err) {
    await stop();
    throw err;
  }
  return {
    env: Object.assign({}, ...started.map((s) => s.env)),
    urls: Object.assign({}, ...started.map((s) => s.urls ?? {})),
    stop,
    async restart(name, whileDown) {
      const service = started.find((s) => s.name === name);
      if (!service?.restart) throw new Error(`${name} was not started by this stack, or cannot be restarted`);
      await service.restart(whileDown);
    },
  };
}

export const DEFAULT_DATA_DIR = path.resolve(__dirname, '../../.data');
