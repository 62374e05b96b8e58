import { UniqueViolationError } from 'objection';
import { z } from 'zod';
import { User } from '../../models/User';
import { ROLES, type AuthUser } from '../../accounts/identity';
import {
  dummyPasswordHash,
  hashPassword,
  PASSWORD_MAX_LENGTH,
  PASSWORD_MIN_LENGTH,
  verifyPassword,
} from '../../accounts/passwords';
import { signToken, ttlSeconds } from '../auth';
import { conflict, unauthorized } from '../../problems/http-problem';
import type { RouteModule } from '../http/context';
import { defineRoute } from '../http/define-route';
import { Timestamp } from '../http/schemas';

/** Emails are stored trimmed and lower-cased, so lookups and the unique index see one spelling. */
export const EmailSchema = z
  .string()
  .trim()
  .toLowerCase()
  .max(254)
  .pipe(z.email())
  .openapi({ type: 'string', format: 'email', example: 'ada@example.com' });

export const PasswordSchema = z.string().min(PASSWORD_MIN_LENGTH).max(PASSWORD_MAX_LENGTH);

export const UserSchema = z
  .object({
    id: z.uuid(),
    email: z.string(),
    name: z.string(),
    role: z.enum(ROLES),
    createdAt: Timestamp,
  })
  .openapi('User');

const AuthResult = z
  .object({
    user: UserSchema,
    token: z.string().openapi({ description: 'JWT for `Authorization: Bearer <token>`' }),
    expiresIn: z.number().int().openapi({ description: 'Token lifetime in seconds' }),
  })
  .openapi('AuthResult');

const RegisterBody = z
  .object({
    email: EmailSchema,
    password: PasswordSchema,
    name: z.string().trim().min(1).max(255),
    // Admins are made by operators (npm run create-admin), never by sign-up.
    role: z.enum(['student', 'instructor']).default('student'),
  })
  .openapi('RegisterRequest');

const LoginBody = z
  .object({
    email: EmailSchema,
    // No length rules here: a login must not reveal the password policy of the moment.
    password: z.string().min(1).max(PASSWORD_MAX_LENGTH),
  })
  .openapi('LoginRequest');

type UserFields = Pick<User, 'id' | 'email' | 'name' | 'role' | 'created_at'>;

export function toUserResponse(user: UserFields): z.input<typeof UserSchema> {
  return { id: user.id, email: user.email, name: user.name, role: user.role, createdAt: user.created_at };
}

export const authRoutes: RouteModule = (router, registry, deps) => {
  const session = (row: UserFields) => {
    const authUser: AuthUser = { id: row.id, role: row.role, email: row.email };
    return {
      user: toUserResponse(row),
      token: signToken(deps.config, authUser),
      expiresIn: ttlSeconds(deps.config.JWT_TTL),
    };
  };

  defineRoute(
    router,
    registry,
    {
      method: 'post',
      path: '/api/auth/register',
      rateLimit: 'credentials',
      summary: 'Create a student or instructor account',
      tags: ['auth'],
      auth: 'public',
      body: RegisterBody,
      responses: {
        201: AuthResult,
        409: { description: 'Email already registered' },
      },
    },
    async (ctx, { body }) => {
      const passwordHash = await hashPassword(body.password);
      let user: User;
      try {
        user = await User.query(deps.knex)
          .insert({ email: body.email, password_hash: passwordHash, name: body.name, role: body.role })
          .returning('*');
      } catch (err) {
        // The unique index (citext, so case-insensitive) decides, not a racy "select first".
        if (err instanceof UniqueViolationError) throw conflict('Email already registered');
        throw err;
      }
      ctx.status = 201;
      return session(user);
    },
  );

  defineRoute(
    router,
    registry,
    {
      method: 'post',
      path: '/api/auth/login',
      rateLimit: 'credentials',
      summary: 'Exchange email and password for a token',
      tags: ['auth'],
      auth: 'public',
      body: LoginBody,
      responses: { 200: AuthResult },
    },
    async (_ctx, { body }) => {
      const user = await User.query(deps.knex).findOne({ email: body.email });
      // Verify against a dummy hash when the account is missing: same cost, so timing reveals nothing.
      const valid = await verifyPassword(body.password, user?.password_hash ?? (await dummyPasswordHash()));
      if (!user || !valid) throw unauthorized('Invalid email or password');
      return session(user);
    },
  );

  defineRoute(
    router,
    registry,
    {
      method: 'get',
      path: '/api/auth/me',
      summary: 'The signed-in user',
      tags: ['auth'],
      auth: 'user',
      responses: { 200: z.object({ user: UserSchema }) },
    },
    async (_ctx, { user }) => {
      const row = await User.query(deps.knex).findById(user.id);
      if (!row) throw unauthorized('User no longer exists', 'invalid_token');
      return { user: toUserResponse(row) };
    },
  );
};
