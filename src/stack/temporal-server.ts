import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { randomInt } from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { spawnProcess, stopProcess } from './processes';
import { freePort, temporalAnswers, waitFor, type Service } from './services';
import { ensureTool, GO_TOOLS } from './tools';

/**
 * The Temporal server binary (what production runs; dev and tests use the CLI's dev server) with persistence and
 * visibility on Postgres, set up by deploy/temporal-setup.sh — the script docker-compose's admin-tools container
 * runs too: schema with Temporal's SQL tool, namespace with its retention, search attributes with the CLI.
 */

const ROOT = path.resolve(__dirname, '../..');
export const TEMPORAL_SETUP_SCRIPT = path.join(ROOT, 'deploy/temporal-setup.sh');
/** The server version of GO_TOOLS.temporalServer: its schema files are read from the same module. */
const SERVER_MODULE = GO_TOOLS.temporalServer.goPackage.replace(/\/cmd\/server@/, '@');

export interface TemporalPostgres {
  host: string;
  port: number;
  user: string;
  password: string;
}

/** The Postgres schema files of the server's module (the admin-tools image has the same at /etc/temporal/schema). */
export function temporalSchemaDir(): string {
  const fromEnv = process.env.TEMPORAL_SCHEMA_DIR;
  if (fromEnv) return fromEnv;
  const modCache = execFileSync('go', ['env', 'GOMODCACHE'], { encoding: 'utf8' }).trim();
  const dir = path.join(modCache, SERVER_MODULE, 'schema/postgresql/v12');
  if (!fs.existsSync(dir)) {
    // The binary may come from elsewhere (TEMPORAL_SERVER_PATH); the schema needs only the module's source.
    execFileSync('go', ['mod', 'download', SERVER_MODULE], {
      stdio: 'inherit',
      env: { ...process.env, GOFLAGS: '-mod=mod' },
    });
  }
  return dir;
}

/** Runs deploy/temporal-setup.sh with this stack's binaries, schema and database. */
export async function runTemporalSetup(
  step: 'schema' | 'namespace',
  opts: { db: TemporalPostgres; address: string; namespace: string; retention: string; logFile: string },
): Promise<void> {
  const env = {
    ...process.env,
    POSTGRES_SEEDS: opts.db.host,
    DB_PORT: String(opts.db.port),
    POSTGRES_USER: opts.db.user,
    POSTGRES_PWD: opts.db.password,
    TEMPORAL_SQL_TOOL: ensureTool(GO_TOOLS.temporalSql),
    TEMPORAL_CLI: ensureTool(GO_TOOLS.temporal),
    TEMPORAL_SCHEMA_DIR: temporalSchemaDir(),
    TEMPORAL_ADDRESS: opts.address,
    TEMPORAL_NAMESPACE: opts.namespace,
    TEMPORAL_NAMESPACE_RETENTION: opts.retention,
  };
  fs.mkdirSync(path.dirname(opts.logFile), { recursive: true });
  const out = fs.openSync(opts.logFile, 'a');
  const child = spawn('sh', [TEMPORAL_SETUP_SCRIPT, step], { env, stdio: ['ignore', out, out] });
  fs.closeSync(out);
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  if (code !== 0) {
    const tail = fs.readFileSync(opts.logFile, 'utf8').split('\n').slice(-15).join('\n');
    throw new Error(`deploy/temporal-setup.sh ${step} failed (exit ${code}):\n${tail}`);
  }
}

interface ServerPorts {
  frontend: number;
  frontendHttp: number;
  frontendMembership: number;
  history: number;
  historyMembership: number;
  matching: number;
  matchingMembership: number;
  worker: number;
  workerMembership: number;
  metrics: number;
}

/** A free port the membership table can hold: it stores ports as SMALLINT (below 32768, the kernel's free ones are above). */
export async function freeLowPort(): Promise<number> {
  for (;;) {
    const port = 20_000 + randomInt(12_000);
    if (await canListen(port)) return port;
  }
}

function canListen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

async function serverPorts(frontend: number, metrics: number): Promise<ServerPorts> {
  return {
    frontend,
    metrics,
    frontendHttp: await freePort(),
    frontendMembership: await freeLowPort(),
    history: await freeLowPort(),
    historyMembership: await freeLowPort(),
    matching: await freeLowPort(),
    matchingMembership: await freeLowPort(),
    worker: await freeLowPort(),
    workerMembership: await freeLowPort(),
  };
}

/** The server's static configuration (the same keys as the temporalio/server image's config template renders). */
export function serverConfigYaml(opts: {
  db: TemporalPostgres;
  ports: ServerPorts;
  dynamicConfigFile: string;
  numHistoryShards: number;
}): string {
  const { db, ports } = opts;
  const store = (database: string, maxConns: number) => `
      sql:
        pluginName: "postgres12"
        databaseName: "${database}"
        connectAddr: "${db.host}:${db.port}"
        connectProtocol: "tcp"
        user: "${db.user}"
        password: "${db.password}"
        maxConns: ${maxConns}
        maxIdleConns: ${maxConns}
        maxConnLifetime: "1h"`;
  const service = (grpc: number, membership: number, http?: number) => `
    rpc:
      grpcPort: ${grpc}
      membershipPort: ${membership}
      bindOnIP: "127.0.0.1"${http ? `\n      httpPort: ${http}` : ''}`;
  return `# Generated by src/stack/temporal-server.ts; rewritten on every start.
log:
  stdout: true
  level: warn

persistence:
  defaultStore: postgres-default
  visibilityStore: postgres-visibility
  numHistoryShards: ${opts.numHistoryShards}
  datastores:
    postgres-default:${store('temporal', 20)}
    postgres-visibility:${store('temporal_visibility', 10)}

global:
  membership:
    maxJoinDuration: 30s
    broadcastAddress: "127.0.0.1"
  metrics:
    prometheus:
      framework: "tally"
      timerType: "histogram"
      listenAddress: "127.0.0.1:${ports.metrics}"

services:
  frontend:${service(ports.frontend, ports.frontendMembership, ports.frontendHttp)}
  history:${service(ports.history, ports.historyMembership)}
  matching:${service(ports.matching, ports.matchingMembership)}
  worker:${service(ports.worker, ports.workerMembership)}

clusterMetadata:
  enableGlobalNamespace: false
  failoverVersionIncrement: 10
  masterClusterName: "active"
  currentClusterName: "active"
  clusterInformation:
    active:
      enabled: true
      initialFailoverVersion: 1
      rpcName: "frontend"
      rpcAddress: "127.0.0.1:${ports.frontend}"
      httpAddress: "127.0.0.1:${ports.frontendHttp}"

dcRedirectionPolicy:
  policy: "noop"

dynamicConfigClient:
  filepath: "${opts.dynamicConfigFile}"
  pollInterval: "10s"
`;
}

/** Dynamic configuration: what this deployment turns on beyond the server's defaults. */
const DYNAMIC_CONFIG = `# Generated by src/stack/temporal-server.ts.
limit.maxIDLength:
  - value: 255
# Search attributes registered by deploy/temporal-setup.sh are usable at once, not after the cache's minute.
system.forceSearchAttributesCacheRefreshOnRead:
  - value: true
frontend.enableUpdateWorkflowExecution:
  - value: true
`;

export interface TemporalServer extends Service {
  address: string;
  metricsUrl: string;
}

/**
 * Starts the server on Postgres: schema first (the setup script's `schema` step), then the server, then the
 * namespace and search attributes (its `namespace` step). `restart()` stops the whole server (SIGTERM) and
 * starts it again on the same data, as an operator's restart or a deploy of the server would.
 */
export async function startTemporalServer(opts: {
  dataDir: string;
  port: number;
  metricsPort: number;
  db: TemporalPostgres;
  namespace: string;
  retention: string;
  log: (line: string) => void;
}): Promise<TemporalServer> {
  const binary = ensureTool(GO_TOOLS.temporalServer, opts.log);
  const dir = path.join(opts.dataDir, 'temporal');
  const configDir = path.join(dir, 'config');
  fs.mkdirSync(configDir, { recursive: true });
  const dynamicConfigFile = path.join(dir, 'dynamicconfig.yaml');
  fs.writeFileSync(dynamicConfigFile, DYNAMIC_CONFIG);
  const ports = await serverPorts(opts.port, opts.metricsPort);
  // The shard count is fixed once the database has data: keep it in the generated config (4 for one machine).
  fs.writeFileSync(
    path.join(configDir, 'production.yaml'),
    serverConfigYaml({ db: opts.db, ports, dynamicConfigFile, numHistoryShards: 4 }),
    { mode: 0o600 },
  );
  const address = `127.0.0.1:${opts.port}`;
  const logFile = path.join(opts.dataDir, 'logs', 'temporal-server.log');
  const setupLog = path.join(opts.dataDir, 'logs', 'temporal-setup.log');
  const setup = { db: opts.db, address, namespace: opts.namespace, retention: opts.retention, logFile: setupLog };

  opts.log('temporal: schema (deploy/temporal-setup.sh schema)…');
  await runTemporalSetup('schema', setup);

  let child: ChildProcess | undefined;
  const start = async () => {
    child = spawnProcess(
      binary,
      ['--root', dir, '--config', 'config', '--env', 'production', '--allow-no-auth', 'start'],
      {
        logFile,
      },
    );
    await waitFor(`Temporal server on ${address}`, () => temporalAnswers(address), 90_000, child);
  };
  await start();
  opts.log('temporal: namespace and search attributes (deploy/temporal-setup.sh namespace)…');
  await runTemporalSetup('namespace', setup);
  return {
    name: 'temporal',
    address,
    metricsUrl: `http://127.0.0.1:${ports.metrics}/metrics`,
    env: { TEMPORAL_ADDRESS: address, TEMPORAL_NAMESPACE: opts.namespace },
    urls: { 'Temporal gRPC': address, 'Temporal metrics': `http://127.0.0.1:${ports.metrics}/metrics` },
    stop: async () => {
      if (child) await stopProcess(child, 20_000);
    },
    async restart(whileDown) {
      if (child) await stopProcess(child, 20_000);
      try {
        await whileDown?.();
      } finally {
        await start();
      }
    },
  };
}
