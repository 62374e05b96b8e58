import type { RouteModule } from '../route';
import { auditRoutes } from './audit';
import { authRoutes } from './auth';
import { courseRoutes } from './courses';
import { healthRoutes } from './health';
import { lessonRoutes } from './lessons';
import { opsRoutes } from './ops';
import { refundRoutes } from './refunds';

/**
 * Every feature's routes, in registration order. A new feature adds one line here:
 * `export const courseRoutes: RouteModule = (router, registry, deps) => { defineRoute(...) }`.
 */
export const routeModules: RouteModule[] = [healthRoutes, authRoutes, opsRoutes, refundRoutes, auditRoutes, courseRoutes, lessonRoutes];
