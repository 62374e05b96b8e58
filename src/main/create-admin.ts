import { parseArgs } from 'node:util';
import { z } from 'zod';
import { hashPassword } from '../api/auth';
import { EmailSchema, PasswordSchema } from '../api/routes/auth';
import { loadConfig } from '../config';
import { closeDeps, createDeps } from '../deps';
import { User } from '../models/User';
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
    const existing = await User.query(deps.knex).findOne({ email: args.email });
    if (existing) {
      const previousRole = existing.role;
      let passwordHash: string | undefined;
      if (args['reset-password'] && args.password) passwordHash = await hashPassword(args.password);
      await existing.$query(deps.knex).patch({
        role: 'admin',
        ...(passwordHash && { password_hash: passwordHash }),
        ...(args.name && { name: args.name }),
      });
      const what = previousRole === 'admin' ? 'was already an admin' : `promoted from ${previousRole} to admin`;
      const pw = args['reset-password'] ? 'password reset' : args.password ? 'password unchanged (pass --reset-password to set it)' : 'password unchanged';
      console.log(`${args.email} ${what} (id ${existing.id}); ${pw}.`);
    } else {
      if (!args.password) fail('--password is required to create a new admin');
      if (!args.name) fail('--name is required to create a new admin');
      const user = await User.query(deps.knex).insert({
        email: args.email,
        password_hash: await hashPassword(args.password),
        name: args.name,
        role: 'admin',
      });
      console.log(`Created admin ${args.email} (id ${user.id}).`);
    }
  } finally {
    await closeDeps(deps);
  }
}

runMain(main);
