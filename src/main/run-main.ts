import { ConfigError, DEV_DEFAULTS, type Config } from '../config';
import { UnreachableError } from '../deps';

/** Exit code for a configuration that cannot be used (as for bad command-line arguments). */
export const EXIT_CONFIG = 2;

const UNREACHABLE_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EHOSTUNREACH', 'ETIMEDOUT', 'EAI_AGAIN']);

/** The socket error inside `err` (pg reports a refused connection as one error, or an AggregateError of them). */
function socketError(err: unknown): { code: string; address?: string; port?: number } | undefined {
  if (err instanceof AggregateError) return err.errors.map(socketError).find(Boolean);
  const e = err as { code?: unknown; address?: string; port?: number } | null;
  return typeof e?.code === 'string' && UNREACHABLE_CODES.has(e.code) ? (e as { code: string }) : undefined;
}

/** The Postgres the command was configured with, without its password. */
function databaseAddress(): string {
  try {
    const url = new URL(process.env.DATABASE_URL ?? DEV_DEFAULTS.DATABASE_URL);
    return `${url.hostname}:${url.port || 5432}${url.pathname}`;
  } catch {
    return 'DATABASE_URL';
  }
}

/** What to tell the operator instead of a stack trace for a connection that failed. */
export function explainFailure(err: unknown): string {
  if (err instanceof UnreachableError) return err.message;
  const socket = socketError(err);
  if (socket) {
    const tried = socket.address ? `${socket.address}:${socket.port}` : databaseAddress();
    const start =
      process.env.NODE_ENV === 'production'
        ? 'check that the database is up and DATABASE_URL points at it'
        : 'start it (`npm run dev -- --services-only`) or set DATABASE_URL';
    return `cannot reach Postgres at ${tried} (${socket.code}, DATABASE_URL ${databaseAddress()}): ${start}`;
  }
  return err instanceof Error ? err.message : String(err);
}

/**
 * Commands that write made-up data (seed, demo) never touch a production database. Production is what the
 * configuration says it is: NODE_ENV=production, or a live-mode Stripe key (real money behind that database).
 */
export function refuseProduction(config: Config, command: string): void {
  if (config.isProduction || /^(sk|rk)_live_/.test(config.STRIPE_SECRET_KEY)) {
    throw new ConfigError([`${command}: refused on a production database (NODE_ENV=production or a live Stripe key)`]);
  }
}

/**
 * Runs an entry point. A configuration problem prints one line per problem and exits 2; any other failure
 * prints one clear line (no stack trace for expected problems; DEBUG=1 adds it) and exits 1.
 */
export function runMain(main: () => Promise<void>): void {
  main().catch((err: unknown) => {
    if (err instanceof ConfigError) {
      for (const problem of err.problems) console.error(`config: ${problem}`);
      process.exit(EXIT_CONFIG);
    }
    console.error(`error: ${explainFailure(err)}`);
    if (process.env.DEBUG && err instanceof Error) console.error(err.stack);
    process.exit(1);
  });
}
