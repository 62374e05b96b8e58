import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/**
 * Finds the external binaries the local stack needs, building them once into a cache outside the
 * repository when they are missing (Go's module proxy is reachable where the internet is not).
 */
export const TOOL_CACHE = process.env.EDUSTREAM_TOOL_CACHE ?? path.join(os.homedir(), '.cache', 'edustream', 'bin');

interface GoTool {
  /** The file name in the cache (`go install` names it after the package's last element; we rename it). */
  binary: string;
  envVar: string;
  goPackage: string;
  installHint: string;
  /** Extra environment for the build, e.g. the Go toolchain a module requires. */
  goEnv?: Record<string, string>;
}

export const GO_TOOLS = {
  temporal: {
    binary: 'temporal',
    envVar: 'TEMPORAL_CLI_PATH',
    // Newer tags carry a `replace` directive and cannot be go-installed.
    goPackage: 'github.com/temporalio/cli/cmd/temporal@v1.5.1',
    installHint:
      'install the Temporal CLI (https://docs.temporal.io/cli#install, e.g. `brew install temporal`) or Go 1.22+',
  },
  stripeMock: {
    binary: 'stripe-mock',
    envVar: 'STRIPE_MOCK_PATH',
    goPackage: 'github.com/stripe/stripe-mock@v0.197.0',
    installHint:
      'install stripe-mock (`brew install stripe/stripe-mock/stripe-mock`) or Go 1.22+, or set STRIPE_SECRET_KEY to a real Stripe test key with STRIPE_API_BASE unset',
  },
  /** S3 with signature checks, for dev, tests and the production rehearsal. */
  versitygw: {
    binary: 'versitygw',
    envVar: 'VERSITYGW_PATH',
    goPackage: 'github.com/versity/versitygw/cmd/versitygw@v1.8.0',
    installHint: 'install versitygw (https://github.com/versity/versitygw/releases) or Go 1.24+, or set S3_ENDPOINT',
  },
  /** SMTP server with a JSON API: the rehearsal reads the e-mails back from it. */
  mailpit: {
    binary: 'mailpit',
    envVar: 'MAILPIT_PATH',
    goPackage: 'github.com/axllent/mailpit@v1.33.1',
    installHint: 'install mailpit (https://mailpit.axllent.org/docs/install/) or Go 1.24+',
  },
  /** The Temporal server itself (the production rehearsal; dev and tests use the CLI's dev server). */
  temporalServer: {
    binary: 'server',
    envVar: 'TEMPORAL_SERVER_PATH',
    goPackage: 'go.temporal.io/server/cmd/server@v1.32.2',
    installHint:
      'install the Temporal server (https://github.com/temporalio/temporal/releases) or Go with network access',
    // The module requires a newer Go than many machines have; the go command fetches this one.
    goEnv: { GOTOOLCHAIN: 'go1.27.3' },
  },
  /** Temporal's SQL schema tool (`temporal-sql-tool` in the admin-tools image). */
  temporalSql: {
    binary: 'sql',
    envVar: 'TEMPORAL_SQL_TOOL_PATH',
    goPackage: 'go.temporal.io/server/cmd/tools/sql@v1.32.2',
    installHint: 'install temporal-sql-tool (the temporalio/admin-tools image has it) or Go with network access',
    goEnv: { GOTOOLCHAIN: 'go1.27.3' },
  },
  /** The Temporal Web UI for a server that has none built in (the CLI's dev server embeds this same module). */
  temporalUi: {
    binary: 'temporal-ui-server',
    envVar: 'TEMPORAL_UI_SERVER_PATH',
    goPackage: 'github.com/temporalio/ui-server/v2/cmd/server@v2.42.1',
    installHint: 'install the Temporal UI server (the temporalio/ui image) or Go with network access',
  },
} satisfies Record<string, GoTool>;

export type GoToolName = keyof typeof GO_TOOLS;

export class MissingToolError extends Error {}

function onPath(binary: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    const candidate = path.join(dir, binary);
    if (isExecutable(candidate)) return candidate;
  }
  return undefined;
}

function isExecutable(file: string): boolean {
  try {
    fs.accessSync(file, fs.constants.X_OK);
    return fs.statSync(file).isFile();
  } catch {
    return false;
  }
}

function goBinDir(): string | undefined {
  if (!onPath('go')) return undefined;
  try {
    const gobin = execFileSync('go', ['env', 'GOBIN'], { encoding: 'utf8' }).trim();
    if (gobin) return gobin;
    return path.join(execFileSync('go', ['env', 'GOPATH'], { encoding: 'utf8' }).trim(), 'bin');
  } catch {
    return undefined;
  }
}

/** Where the tool already is, or undefined. */
export function findTool(tool: GoTool): string | undefined {
  const fromEnv = process.env[tool.envVar];
  if (fromEnv) {
    if (!isExecutable(fromEnv)) throw new MissingToolError(`${tool.envVar}=${fromEnv} is not an executable file`);
    return fromEnv;
  }
  const gobin = goBinDir();
  return [path.join(TOOL_CACHE, tool.binary), onPath(tool.binary), gobin && path.join(gobin, tool.binary)].find(
    (p): p is string => !!p && isExecutable(p),
  );
}

/** The tool's path, building it with `go install` into the cache if needed; throws MissingToolError with what to install. */
export function ensureTool(tool: GoTool, log: (line: string) => void = console.log): string {
  const found = findTool(tool);
  if (found) return found;
  if (!onPath('go')) {
    throw new MissingToolError(
      `${tool.binary} was not found (looked at $${tool.envVar}, PATH, ${TOOL_CACHE}). To fix: ${tool.installHint}.`,
    );
  }
  log(`building ${tool.binary} once into ${TOOL_CACHE} (go install ${tool.goPackage}; takes a few minutes)…`);
  // A directory of its own: two packages may end in the same name (cmd/server), and a half-built file never
  // lands where findTool looks.
  const buildDir = path.join(TOOL_CACHE, `.build-${tool.binary}`);
  fs.rmSync(buildDir, { recursive: true, force: true });
  fs.mkdirSync(buildDir, { recursive: true });
  const result = spawnSync('go', ['install', tool.goPackage], {
    env: { ...process.env, ...tool.goEnv, GOBIN: buildDir },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  const produced = path.join(buildDir, tool.goPackage.replace(/@.*$/, '').split('/').pop() as string);
  const built = path.join(TOOL_CACHE, tool.binary);
  if (result.status === 0 && isExecutable(produced)) fs.renameSync(produced, built);
  fs.rmSync(buildDir, { recursive: true, force: true });
  if (result.status !== 0 || !isExecutable(built)) {
    throw new MissingToolError(
      `could not build ${tool.binary} with \`go install ${tool.goPackage}\`. To fix: ${tool.installHint}.`,
    );
  }
  return built;
}

/**
 * Temporal's Java test server (time skipping, for the orchestration tests): a jar set on Maven Central, so it
 * is built with Maven rather than Go: `mvn dependency:build-classpath` from a tiny pom in its cache folder, and
 * an executable wrapper there that runs the main class on that classpath.
 */
export const MAVEN_TOOLS = {
  temporalTestServer: {
    binary: 'temporal-test-server',
    envVar: 'TEMPORAL_TEST_SERVER_PATH',
    cacheDir: path.join(path.dirname(TOOL_CACHE), 'temporal-test-server'),
    artifact: { groupId: 'io.temporal', artifactId: 'temporal-test-server', version: '1.31.0' },
    mainClass: 'io.temporal.testserver.TestServer',
    installHint:
      'install Java 17+ and Maven (e.g. `apt-get install openjdk-17-jdk-headless maven`), or let @temporalio/testing download the server (needs internet)',
  },
} satisfies Record<string, MavenTool>;

interface MavenTool {
  binary: string;
  envVar: string;
  cacheDir: string;
  artifact: { groupId: string; artifactId: string; version: string };
  mainClass: string;
  installHint: string;
}

/** Where the Maven-built tool's wrapper already is (its env var, then the cache), or undefined. */
export function findMavenTool(tool: MavenTool): string | undefined {
  const fromEnv = process.env[tool.envVar];
  if (fromEnv) {
    if (!isExecutable(fromEnv)) throw new MissingToolError(`${tool.envVar}=${fromEnv} is not an executable file`);
    return fromEnv;
  }
  const wrapper = path.join(tool.cacheDir, tool.binary);
  return isExecutable(wrapper) ? wrapper : undefined;
}

/** The wrapper's path, resolving the classpath with Maven once if needed; throws MissingToolError without Java and Maven. */
export function ensureMavenTool(tool: MavenTool, log: (line: string) => void = console.log): string {
  const found = findMavenTool(tool);
  if (found) return found;
  const java = onPath('java');
  if (!java || !onPath('mvn')) {
    throw new MissingToolError(
      `${tool.binary} was not found (looked at $${tool.envVar}, ${tool.cacheDir}) and Java or Maven is missing. To fix: ${tool.installHint}.`,
    );
  }
  const { groupId, artifactId, version } = tool.artifact;
  log(`resolving ${groupId}:${artifactId}:${version} once into ${tool.cacheDir} (mvn dependency:build-classpath)…`);
  fs.mkdirSync(tool.cacheDir, { recursive: true });
  fs.writeFileSync(
    path.join(tool.cacheDir, 'pom.xml'),
    `<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>edustream.tools</groupId>
  <artifactId>${tool.binary}-classpath</artifactId>
  <version>1</version>
  <packaging>pom</packaging>
  <dependencies>
    <dependency><groupId>${groupId}</groupId><artifactId>${artifactId}</artifactId><version>${version}</version></dependency>
  </dependencies>
</project>
`,
  );
  const classpathFile = path.join(tool.cacheDir, 'classpath.txt');
  const result = spawnSync('mvn', ['-q', '-B', 'dependency:build-classpath', `-Dmdep.outputFile=${classpathFile}`], {
    cwd: tool.cacheDir,
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  if (result.status !== 0 || !fs.existsSync(classpathFile)) {
    throw new MissingToolError(`could not resolve ${artifactId} with Maven. To fix: ${tool.installHint}.`);
  }
  const classpath = fs.readFileSync(classpathFile, 'utf8').trim();
  const wrapper = path.join(tool.cacheDir, tool.binary);
  // Written whole, then renamed: a concurrent reader never sees half a script.
  fs.writeFileSync(
    `${wrapper}.tmp`,
    `#!/bin/sh\n# Generated by src/stack/tools.ts (${groupId}:${artifactId}:${version}).\nexec '${java}' -cp '${classpath}' ${tool.mainClass} "$@"\n`,
    { mode: 0o755 },
  );
  fs.renameSync(`${wrapper}.tmp`, wrapper);
  return wrapper;
}
