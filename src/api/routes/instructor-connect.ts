import Stripe from 'stripe';
import { z } from 'zod';
import { User } from '../../models/User';
import { startConnectOnboarding } from '../../payouts/connect';
import { unauthorized, unavailable } from '../../problems/http-problem';
import type { RouteModule } from '../http/context';
import { defineRoute } from '../http/define-route';
import { Timestamp } from '../http/schemas';

export const INSTRUCTOR_ONLY = 'Instructor-only endpoint';

const ConnectStatus = z
  .object({
    accountId: z.string().nullable().openapi({ description: 'Stripe Connect account (acct_…), once created' }),
    transfersEnabled: z.boolean().openapi({ description: 'Monthly payouts can be transferred to the account' }),
    payoutsEnabled: z.boolean().openapi({ description: 'The account can pay out to its bank' }),
  })
  .openapi('ConnectStatus');

const ConnectOnboarding = ConnectStatus.extend({
  accountId: z.string(),
  onboardingUrl: z
    .string()
    .openapi({ description: 'Single-use Stripe onboarding page; ask again for a new one when it expired' }),
  expiresAt: Timestamp,
}).openapi('ConnectOnboarding');

/**
 * Express accounts are opened in the US: the marketplace charges and pays out in USD, and paying recipients
 * abroad needs Stripe's cross-border recipient agreement, which this platform has not set up.
 */
const ACCOUNT_COUNTRY = 'US';

export const instructorConnectRoutes: RouteModule = (router, registry, deps) => {
  defineRoute(
    router,
    registry,
    {
      method: 'post',
      path: '/api/instructor/connect',
      summary: 'Start (or resume) Stripe Connect onboarding for payouts',
      description:
        'Creates the Stripe Connect Express account on the first call and returns a fresh onboarding link on every call. ' +
        'Whether the account can receive payouts is reported by Stripe afterwards (`account.updated`).',
      tags: ['instructor'],
      auth: ['instructor'],
      forbiddenMessage: INSTRUCTOR_ONLY,
      responses: {
        200: ConnectOnboarding,
        201: { description: 'The account was created', schema: ConnectOnboarding },
        503: { description: 'Stripe could not be reached; try again' },
      },
    },
    async (ctx, { user }) => {
      let onboarding;
      try {
        onboarding = await startConnectOnboarding(deps, user, ACCOUNT_COUNTRY);
      } catch (err) {
        if (err instanceof Stripe.errors.StripeError) {
          ctx.state.log.error({ err }, 'Stripe Connect onboarding failed');
          throw unavailable('Stripe could not be reached; try again shortly', 30);
        }
        throw err;
      }
      ctx.status = onboarding.created ? 201 : 200;
      return onboarding;
    },
  );

  defineRoute(
    router,
    registry,
    {
      method: 'get',
      path: '/api/instructor/connect',
      summary: 'Payout account status',
      tags: ['instructor'],
      auth: ['instructor'],
      forbiddenMessage: INSTRUCTOR_ONLY,
      responses: { 200: ConnectStatus },
    },
    async (_ctx, { user }) => {
      const row = await User.query(deps.knex).findById(user.id);
      if (!row) throw unauthorized('User no longer exists', 'invalid_token');
      return {
        accountId: row.stripe_connect_account_id,
        transfersEnabled: row.connect_transfers_enabled,
        payoutsEnabled: row.connect_payouts_enabled,
      };
    },
  );
};
