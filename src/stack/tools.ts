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
  binary: string;
  envVar: string;
  goPackage: string;
  installHint: string;
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
} satisfies Record<string, GoTool>;

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
  fs.mkdirSync(TOOL_CACHE, { recursive: true });
  const result = spawnSync('go', ['install', tool.goPackage], {
    env: { ...process.env, GOBIN: TOOL_CACHE },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  const built = path.join(TOOL_CACHE, tool.binary);
  if (result.status !== 0 || !isExecutable(built)) {
    throw new MissingToolError(
      `could not build ${tool.binary} with \`go install ${tool.goPackage}\`. To fix: ${tool.installHint}.`,
    );
  }
  return built;
}
