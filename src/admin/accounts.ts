/** Admin accounts: there is no sign-up for admins; an operator creates one (`npm run create-admin`). */
import type { Knex } from 'knex';
import { hashPassword } from '../accounts/passwords';
import { User, type UserRole } from '../models/User';

export interface AdminRequest {
  email: string;
  /** Required for a new account; an existing one keeps its password unless `resetPassword`. */
  password?: string;
  /** Required for a new account. */
  name?: string;
  resetPassword?: boolean;
}

export type AdminResult =
  | { outcome: 'created'; id: string }
  | { outcome: 'promoted' | 'unchanged'; id: string; previousRole: UserRole; passwordReset: boolean };

export class AdminRequestError extends Error {
  override name = 'AdminRequestError';
}

/** Creates the admin account, or promotes the existing account with that email to admin. */
export async function createOrPromoteAdmin(knex: Knex, req: AdminRequest): Promise<AdminResult> {
  if (req.resetPassword && !req.password) throw new AdminRequestError('--reset-password needs --password');
  const existing = await User.query(knex).findOne({ email: req.email });
  if (existing) {
    const previousRole = existing.role; // before the patch: objection updates the instance it patches
    const passwordHash = req.resetPassword && req.password ? await hashPassword(req.password) : undefined;
    await existing.$query(knex).patch({
      role: 'admin',
      ...(passwordHash && { password_hash: passwordHash }),
      ...(req.name && { name: req.name }),
    });
    return {
      outcome: previousRole === 'admin' ? 'unchanged' : 'promoted',
      id: existing.id,
      previousRole,
      passwordReset: Boolean(passwordHash),
    };
  }
  if (!req.password) throw new AdminRequestError('--password is required to create a new admin');
  if (!req.name) throw new AdminRequestError('--name is required to create a new admin');
  const user = await User.query(knex).insert({
    email: req.email,
    password_hash: await hashPassword(req.password),
    name: req.name,
    role: 'admin',
  });
  return { outcome: 'created', id: user.id };
}
