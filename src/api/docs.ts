import { createReadStream } from 'node:fs';
import path from 'node:path';
import { OpenApiGeneratorV31, type OpenAPIRegistry } from '@asteasolutions/zod-to-openapi';
import type { Config } from '../config';
import { notFound } from '../problems/http-problem';
import type { AppRouter } from './http/context';

export type OpenApiDocument = ReturnType<OpenApiGeneratorV31['generateDocument']>;

export function buildOpenApiDocument(registry: OpenAPIRegistry, config?: Pick<Config, 'PUBLIC_URL'>): OpenApiDocument {
  return new OpenApiGeneratorV31(registry.definitions).generateDocument({
    openapi: '3.1.0',
    info: {
      title: 'EduStream API',
      version: '0.1.0',
      description:
        'Course marketplace API. Errors are RFC 7807 `application/problem+json`. ' +
        'Authenticate with `Authorization: Bearer <token>` from /api/auth/login.',
    },
    ...(config?.PUBLIC_URL && { servers: [{ url: config.PUBLIC_URL }] }),
  });
}

const swaggerDir = path.dirname(require.resolve('swagger-ui-dist/package.json'));

/** Only the files the page needs; the package's own index.html/initializer point at the petstore demo. */
const ASSETS: Record<string, string> = {
  'swagger-ui.css': 'text/css; charset=utf-8',
  'index.css': 'text/css; charset=utf-8',
  'swagger-ui-bundle.js': 'application/javascript; charset=utf-8',
  'swagger-ui-standalone-preset.js': 'application/javascript; charset=utf-8',
  'favicon-32x32.png': 'image/png',
  'favicon-16x16.png': 'image/png',
};

// An external script rather than inline, so a strict Content-Security-Policy can be added without breaking the page.
const INIT_JS = `window.onload = function () {
  window.ui = SwaggerUIBundle({
    url: '/openapi.json',
    dom_id: '#swagger-ui',
    deepLinking: true,
    persistAuthorization: true,
    presets: [SwaggerUIBundle.presets.apis, SwaggerUIStandalonePreset],
    plugins: [SwaggerUIBundle.plugins.DownloadUrl],
    layout: 'StandaloneLayout',
  });
};
`;

const DOCS_HTML = `<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>EduStream API docs</title>
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <link rel="stylesheet" href="/docs/assets/swagger-ui.css">
  <link rel="stylesheet" href="/docs/assets/index.css">
  <link rel="icon" type="image/png" href="/docs/assets/favicon-32x32.png" sizes="32x32">
  <link rel="icon" type="image/png" href="/docs/assets/favicon-16x16.png" sizes="16x16">
</head>
<body>
  <div id="swagger-ui"></div>
  <script src="/docs/assets/swagger-ui-bundle.js" charset="utf-8"></script>
  <script src="/docs/assets/swagger-ui-standalone-preset.js" charset="utf-8"></script>
  <script src="/docs/assets/init.js" charset="utf-8"></script>
</body>
</html>
`;

/**
 * GET /openapi.json (generated from the registry on first request, when every route is registered)
 * and GET /docs (Swagger UI served from the installed swagger-ui-dist: works offline, no CDN).
 * Not themselves part of the document.
 */
export function docsRoutes(router: AppRouter, registry: OpenAPIRegistry, config?: Pick<Config, 'PUBLIC_URL'>): void {
  let document: OpenApiDocument | undefined;

  router.get('/openapi.json', (ctx) => {
    document ??= buildOpenApiDocument(registry, config);
    ctx.body = document;
  });

  router.get('/docs', (ctx) => {
    ctx.type = 'text/html; charset=utf-8';
    ctx.body = DOCS_HTML;
  });

  router.get('/docs/assets/:file', (ctx) => {
    const file = ctx.params.file;
    if (file === 'init.js') {
      ctx.type = 'application/javascript; charset=utf-8';
      ctx.body = INIT_JS;
      return;
    }
    // Whitelist lookup: the name never reaches the filesystem unless it is one of ours (no traversal).
    const type = Object.hasOwn(ASSETS, file) ? ASSETS[file] : undefined;
    if (!type) throw notFound(`No docs asset named ${file}`);
    ctx.set('Cache-Control', 'public, max-age=3600');
    ctx.type = type;
    ctx.body = createReadStream(path.join(swaggerDir, file));
  });
}
