/**
 * Orchestration tests (tests/orchestration/): the real workflow code on Temporal's time-skipping test server,
 * with fake activities. Timers of days fire as soon as the workflow waits on nothing else, so a 7-day escrow
 * hold or a checkout's expiry runs in milliseconds.
 *
 * The server is Temporal's Java test server, resolved once with Maven into the tools cache (src/stack/tools.ts,
 * `npm run tools`). Without Java and Maven, @temporalio/testing downloads its native build instead (internet).
 */
import { randomUUID } from 'node:crypto';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { bundleWorkflowCode, DefaultLogger, Runtime, Worker, type WorkflowBundle } from '@temporalio/worker';
import { ensureMavenTool, MAVEN_TOOLS, MissingToolError } from '../../src/stack/tools';
import { protoType } from '../../src/temporal/search-attributes';
import { searchAttributes, taskQueue } from '../../src/temporal/shared';

type Activities = Record<string, (...args: never[]) => Promise<unknown>>;

export interface TimeSkipping {
  env: TestWorkflowEnvironment;
  /** The core queue the workflows run on (activities of the payments pool poll its sibling). */
  coreQueue: string;
  /** Milliseconds on the test server's clock, which time skipping moves ahead of the wall clock. */
  now(): Promise<number>;
  close(): Promise<void>;
}

/** The test server's executable: the Maven-built wrapper, or undefined for the SDK's own download. */
function testServerPath(): string | undefined {
  try {
    return ensureMavenTool(MAVEN_TOOLS.temporalTestServer, () => undefined);
  } catch (err) {
    if (err instanceof MissingToolError) return undefined;
    throw err;
  }
}

async function createEnvironment(): Promise<TestWorkflowEnvironment> {
  const path = testServerPath();
  const options = path ? { server: { executable: { type: 'existing-path' as const, path } } } : {};
  try {
    return await TestWorkflowEnvironment.createTimeSkipping(options);
  } catch (err) {
    // The SDK gives the server 5 s to answer; a JVM on a busy machine may need a second chance.
    if (!/did not start within/.test(String(err))) throw err;
    return TestWorkflowEnvironment.createTimeSkipping(options);
  }
}

let bundle: Promise<WorkflowBundle> | undefined;
const quietLogger = { log() {}, trace() {}, debug() {}, info() {}, warn() {}, error() {} };

/** Starts the test server and one worker per pool (the workflows on the core queue) with the given fakes. */
export async function startTimeSkipping(activities: {
  core: Activities;
  payments?: Activities;
}): Promise<TimeSkipping> {
  Runtime.install({ logger: new DefaultLogger('WARN') });
  const env = await createEnvironment();
  // The test server refuses search attributes it does not know, as a real server does (and cannot list them,
  // so registerSearchAttributes does not apply).
  await env.connection.operatorService.addSearchAttributes({
    namespace: env.namespace ?? 'default',
    searchAttributes: Object.fromEntries(Object.values(searchAttributes).map((key) => [key.name, protoType[key.type]])),
  });
  const prefix = `ts-${randomUUID().slice(0, 8)}-`;
  const workers = await Promise.all([
    Worker.create({
      connection: env.nativeConnection,
      taskQueue: taskQueue('core', prefix),
      // Bundled once per file: a file may start a fresh server per test.
      workflowBundle: await (bundle ??= bundleWorkflowCode({
        workflowsPath: require.resolve('../../workflows'),
        logger: quietLogger,
      })),
      activities: activities.core,
    }),
    ...(activities.payments
      ? [
          Worker.create({
            connection: env.nativeConnection,
            taskQueue: taskQueue('payments', prefix),
            activities: activities.payments,
          }),
        ]
      : []),
  ]);
  const running = Promise.all(workers.map((w) => w.run()));
  return {
    env,
    coreQueue: taskQueue('core', prefix),
    now: () => env.currentTimeMs(),
    async close() {
      workers.forEach((w) => w.shutdown());
      await running;
      await env.teardown();
    },
  };
}
