import type { RouteModule } from '../route';
import { authRoutes } from './auth';
import { checkoutRoutes } from './checkout';
import { couponRoutes } from './coupons';
import { healthRoutes } from './health';
import { transactionRoutes } from './transactions';
import { webhookRoutes } from './webhooks';

/**
 * Every feature's routes, in registration order. A new feature adds one line here:
 * `export const courseRoutes: RouteModule = (router, registry, deps) => { defineRoute(...) }`.
 */
export const routeModules: RouteModule[] = [healthRoutes, authRoutes, checkoutRoutes, couponRoutes, transactionRoutes, webhookRoutes];
