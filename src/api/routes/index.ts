import type { RouteModule } from '../route';
import { adminPayoutRoutes } from './admin-payouts';
import { auditRoutes } from './audit';
import { authRoutes } from './auth';
import { enrollmentRoutes } from './enrollments';
import { healthRoutes } from './health';
import { instructorConnectRoutes } from './instructor-connect';
import { instructorEarningsRoutes } from './instructor-earnings';
import { opsRoutes } from './ops';
import { refundRoutes } from './refunds';
import { reviewRoutes } from './reviews';
import { searchRoutes } from './search';

/**
 * Every feature's routes, in registration order. A new feature adds one line here:
 * `export const courseRoutes: RouteModule = (router, registry, deps) => { defineRoute(...) }`.
 */
export const routeModules: RouteModule[] = [
  healthRoutes,
  authRoutes,
  opsRoutes,
  searchRoutes,
  refundRoutes,
  auditRoutes,
  enrollmentRoutes,
  reviewRoutes,
  instructorConnectRoutes,
  instructorEarningsRoutes,
  adminPayoutRoutes,
];
