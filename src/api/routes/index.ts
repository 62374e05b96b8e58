import type { RouteModule } from '../route';
import { auditRoutes } from './audit';
import { authRoutes } from './auth';
import { courseRoutes } from './courses';
import { enrollmentRoutes } from './enrollments';
import { healthRoutes } from './health';
import { lessonRoutes } from './lessons';
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
  courseRoutes,
  lessonRoutes,
  refundRoutes,
  auditRoutes,
  enrollmentRoutes,
  reviewRoutes,
];
