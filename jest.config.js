// @ts-check
/**
 * Two projects:
 *  - unit:     pure rules, no services (`npm run test:unit` = `jest --selectProjects unit`);
 *  - services: workflow, integration and end-to-end tests; the global setup starts (or connects to)
 *              Postgres, Temporal, S3 and stripe-mock once for the whole run (tests/support).
 * TypeScript is compiled by SWC (types are checked by `npm run typecheck`, not here).
 */

/** @type {import('@jest/types').Config.InitialProjectOptions['transform']} */
const transform = {
  '^.+\\.ts$': [
    '@swc/jest',
    {
      jsc: {
        parser: { syntax: 'typescript' },
        target: 'es2022',
      },
      module: { type: 'commonjs' },
      sourceMaps: 'inline',
    },
  ],
};

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
      displayName: 'services',
      testMatch: [
        '<rootDir>/tests/integration/**/*.test.ts',
        '<rootDir>/tests/workflows/**/*.test.ts',
        '<rootDir>/tests/e2e/**/*.test.ts',
      ],
      globalSetup: '<rootDir>/tests/support/global-setup.ts',
      globalTeardown: '<rootDir>/tests/support/global-teardown.ts',
    },
  ],
};
