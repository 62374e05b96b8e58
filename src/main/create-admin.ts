import { parseArgs } from 'node:util';
import { z } from 'zod';
import { AdminRequestError, createOrPromoteAdmin } from '../admin/accounts';
import { EmailSchema, PasswordSchema } from '../api/routes/auth';
import { loadConfig } from '../config';
import { closeDeps, createDeps } from '../deps';
import { runMain } from './run-main';

const USAGE = `Usage: npm run create-admin -- --email <email> --password <password> --name <name> [--reset-password]

Creates an admin account, or promotes the existing account with that email to admin.
An existing account keeps its password unless --reset-password is given.`;

const Args = z.object({
  email: EmailSchema,
  password: PasswordSchema.optional(),
  name: z.string().trim().min(1).max(255).optional(),
  'reset-password': z.boolean().default(false),
});

function fail(message: string, code = 2): never {
  console.error(`create-admin: ${message}\n\n${USAGE}`);
  process.exit(code);
}

function parse(): z.infer<typeof Args> {
  let values: Record<string, unknown>;
  try {
    ({ values } = parseArgs({
      options: {
        email: { type: 'string' },
        password: { type: 'string' },
        name: { type: 'string' },
        'reset-password': { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
    }));
  } catch (err) {
    fail(err instanceof Error ? err.message : String(err));
  }
  if (values.help) {
    console.log(USAGE);
    process.exit(0);
  }
  if (values.email === undefined) fail('--email is required');
  const parsed = Args.safeParse(values);
  if (!parsed.success) fail(parsed.error.issues.map((i) => `--${i.path.join('.')}: ${i.message}`).join('; '));
  if (parsed.data['reset-password'] && !parsed.data.password) fail('--reset-password needs --password');
  return parsed.data;
}

async function main(): Promise<void> {
  const args = parse();
  const deps = createDeps(loadConfig(), 'create-admin');
  try {
    const result = await createOrPromoteAdmin(deps.knex, {
      email: args.email,
      password: args.password,
      name: args.name,
      resetPassword: args['reset-password'],
    }).catch((err: unknown) => (err instanceof AdminRequestError ? fail(err.message) : Promise.reject(err)));
    if (result.outcome === 'created') {
      console.log(`Created admin ${args.email} (id ${result.id}).`);
    } else {
      const what =
        result.outcome === 'unchanged' ? 'was already an admin' : `promoted from ${result.previousRole} to admin`;
      const pw = result.passwordReset
        ? 'password reset'
        : args.password
          ? 'password unchanged (pass --reset-password to set it)'
          : 'password unchanged';
      console.log(`${args.email} ${what} (id ${result.id}); ${pw}.`);
    }
  } finally {
    await closeDeps(deps);
  }
}

runMain(main);
