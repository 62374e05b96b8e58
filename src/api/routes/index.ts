import type { RouteModule } from '../route';
import { adminPayoutRoutes } from './admin-payouts';
import { authRoutes } from './auth';
import { healthRoutes } from './health';
import { instructorConnectRoutes } from './instructor-connect';
import { instructorEarningsRoutes } from './instructor-earnings';

/**
 * Every feature's routes, in registration order. A new feature adds one line here:
 * `export const courseRoutes: RouteModule = (router, registry, deps) => { defineRoute(...) }`.
 */
export const routeModules: RouteModule[] = [healthRoutes, authRoutes, instructorConnectRoutes, instructorEarningsRoutes, adminPayoutRoutes];
