import type { RouteModule } from '../http/context';
import { adminPayoutRoutes } from './admin-payouts';
import { auditRoutes } from './audit';
import { authRoutes } from './auth';
import { checkoutRoutes } from './checkout';
import { couponRoutes } from './coupons';
import { courseRoutes } from './courses';
import { enrollmentRoutes } from './enrollments';
import { healthRoutes } from './health';
import { lessonResourceRoutes } from './lesson-resources';
import { lessonUploadRoutes } from './lesson-uploads';
import { lessonRoutes } from './lessons';
import { instructorConnectRoutes } from './instructor-connect';
import { instructorEarningsRoutes } from './instructor-earnings';
import { opsRoutes } from './ops';
import { refundRoutes } from './refunds';
import { reviewRoutes } from './reviews';
import { searchRoutes } from './search';
import { transactionRoutes } from './transactions';
import { webhookRoutes } from './webhooks';

/**
 * Every feature's routes, in registration order. A new feature adds one line here:
 * `export const courseRoutes: RouteModule = (router, registry, deps) => { defineRoute(...) }`.
 */
export const routeModules: RouteModule[] = [
  healthRoutes,
  authRoutes,
  opsRoutes,
  searchRoutes,
  courseRoutes,
  lessonUploadRoutes,
  lessonRoutes,
  lessonResourceRoutes,
  couponRoutes,
  checkoutRoutes,
  webhookRoutes,
  transactionRoutes,
  refundRoutes,
  auditRoutes,
  enrollmentRoutes,
  reviewRoutes,
  instructorConnectRoutes,
  instructorEarningsRoutes,
  adminPayoutRoutes,
];
