/** Who a signed-in caller is, as services see it (the API learns it from a verified token). */
import { USER_ROLES, type UserRole } from '../domain/statuses';

/** The roles are the users table's enum; one definition (src/domain/statuses.ts). */
export const ROLES = USER_ROLES;
export type Role = UserRole;

/** What a verified token tells us; routes needing more (name, Stripe account) load the user. */
export interface AuthUser {
  id: string;
  role: Role;
  email: string;
}
