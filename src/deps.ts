import { Client, Connection } from '@temporalio/client';
import { S3Client } from '@aws-sdk/client-s3';
import type { Knex } from 'knex';
import pino from 'pino';
import Stripe from 'stripe';
import type { Config } from './config';
import { createKnex } from './db/knex';

/** The clients a process talks to the world with: created once at start-up, closed on shutdown. */
export interface Deps {
  config: Config;
  knex: Knex;
  stripe: Stripe;
  s3: S3Client;
  log: pino.Logger;
}

export interface ApiDeps extends Deps {
  temporal: Client;
}

export function createLogger(config: Config, name: string): pino.Logger {
  return pino({ name, level: config.LOG_LEVEL });
}

export function createStripe(config: Config): Stripe {
  const base = config.STRIPE_API_BASE ? new URL(config.STRIPE_API_BASE) : undefined;
  return new Stripe(config.STRIPE_SECRET_KEY, {
    // Our own retries live in Temporal activity retry policies; the SDK's own stay short.
    maxNetworkRetries: 1,
    timeout: config.STRIPE_TIMEOUT_MS,
    ...(base && {
      host: base.hostname,
      port: Number(base.port || (base.protocol === 'https:' ? 443 : 80)),
      protocol: base.protocol.replace(':', '') as 'http' | 'https',
    }),
  });
}

export function createS3(config: Config): S3Client {
  return new S3Client({
    region: config.S3_REGION,
    ...(config.S3_ENDPOINT && { endpoint: config.S3_ENDPOINT, forcePathStyle: true }),
    // No static keys: the SDK's default credential chain (environment, profile, IAM role of the task or instance).
    ...(config.S3_ACCESS_KEY_ID &&
      config.S3_SECRET_ACCESS_KEY && {
        credentials: { accessKeyId: config.S3_ACCESS_KEY_ID, secretAccessKey: config.S3_SECRET_ACCESS_KEY },
      }),
    // Without these, streamed PutObject bodies are sent aws-chunked, which S3-compatible stores may keep verbatim.
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
}

export function createDeps(config: Config, name: string): Deps {
  const log = createLogger(config, name);
  return {
    config,
    knex: createKnex(config.DATABASE_URL, log),
    stripe: createStripe(config),
    s3: createS3(config),
    log,
  };
}

/** A dependency this process cannot reach: says where it looked and what to start (no stack trace). */
export class UnreachableError extends Error {
  constructor(what: string, address: string, hint: string, cause?: unknown) {
    super(`cannot reach ${what} at ${address}: ${hint}`, { cause });
    this.name = 'UnreachableError';
  }
}

export function temporalUnreachable(config: Config, cause: unknown): UnreachableError {
  return new UnreachableError(
    'Temporal',
    config.TEMPORAL_ADDRESS,
    config.isProduction
      ? 'start the Temporal frontend there or set TEMPORAL_ADDRESS'
      : 'start it (`npm run dev -- --services-only`, or `temporal server start-dev`) or set TEMPORAL_ADDRESS',
    cause,
  );
}

export async function connectTemporal(config: Config): Promise<Client> {
  const connection = await Connection.connect({ address: config.TEMPORAL_ADDRESS }).catch((err: unknown) => {
    throw temporalUnreachable(config, err);
  });
  return new Client({ connection, namespace: config.TEMPORAL_NAMESPACE });
}

export async function closeDeps(deps: Deps & { temporal?: Client }): Promise<void> {
  await deps.temporal?.connection.close();
  deps.s3.destroy();
  await deps.knex.destroy();
}
