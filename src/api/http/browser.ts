import cors from '@koa/cors';
import type { Middleware } from 'koa';
import helmet from 'koa-helmet';
import { corsOrigins, type Config } from '../../config';

/** Response headers a browser app on another origin may read (request tracing, back-off, idempotent replays). */
export const EXPOSED_HEADERS = ['X-Request-Id', 'Retry-After', 'Idempotent-Replayed'];

/**
 * CORS for the allow-listed origins only: a refused origin gets no Access-Control-Allow-Origin, so the browser
 * keeps the response from the page. Credentials are bearer tokens in a header, never cookies.
 */
export function corsPolicy(config: Pick<Config, 'CORS_ORIGINS'>): Middleware {
  const allowed = new Set(corsOrigins(config));
  return cors({
    origin: (ctx) => {
      const origin = ctx.get('Origin');
      return allowed.has(origin) ? origin : '';
    },
    allowMethods: ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'],
    allowHeaders: ['Authorization', 'Content-Type', 'Idempotency-Key', 'X-Request-Id'],
    exposeHeaders: EXPOSED_HEADERS,
    maxAge: 600,
  }) as unknown as Middleware;
}

/**
 * Security headers (helmet's defaults: nosniff, frame and referrer policies, HSTS, …) with a CSP that the
 * /docs page (Swagger UI from our own /docs/assets) works under: scripts from this origin only, inline styles
 * (Swagger UI sets style attributes), images from here or data: URIs.
 */
export function securityHeaders(): Middleware {
  return helmet({
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        'default-src': ["'self'"],
        'script-src': ["'self'"],
        'style-src': ["'self'", "'unsafe-inline'"],
        'img-src': ["'self'", 'data:'],
        'font-src': ["'self'", 'data:'],
        'connect-src': ["'self'"],
        'object-src': ["'none'"],
        'base-uri': ["'self'"],
        'form-action': ["'self'"],
        'frame-ancestors': ["'none'"],
      },
    },
    // The API is read by browser apps on other origins (CORS above); same-site would block their no-cors loads.
    crossOriginResourcePolicy: { policy: 'cross-origin' },
  }) as unknown as Middleware;
}
