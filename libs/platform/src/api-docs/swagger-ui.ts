import type { FastifyInstance } from 'fastify';
import { createReadStream } from 'node:fs';
import { dirname, join } from 'node:path';

/**
 * Swagger UI at /docs, from swagger-ui-dist's files, with its document read from /docs-json.
 *
 * Served here rather than by SwaggerModule.setup, which would load @nestjs/swagger at start
 * (openapi-decorators.ts says why that waits). What is served is what SwaggerModule served: the
 * page at /docs, /docs/ and /docs/index.html, and swagger-ui-dist's assets under /docs/. Every
 * script is a file, so the pages' CSP (script-src 'self') holds.
 */
const ASSETS: Readonly<Record<string, string>> = {
  'swagger-ui.css': 'text/css; charset=utf-8',
  'index.css': 'text/css; charset=utf-8',
  'swagger-ui-bundle.js': 'application/javascript; charset=utf-8',
  'swagger-ui-standalone-preset.js': 'application/javascript; charset=utf-8',
  'oauth2-redirect.html': 'text/html; charset=utf-8',
  'oauth2-redirect.js': 'application/javascript; charset=utf-8',
  'favicon-16x16.png': 'image/png',
  'favicon-32x32.png': 'image/png',
};

const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (character) => `&#${character.charCodeAt(0)};`);

/** The page; `base` is where its assets are, relative to the page's own URL. */
function page(title: string, base: string): string {
  return `<!DOCTYPE html>
<html lang="en">
<head>
  <meta charset="UTF-8">
  <title>${escapeHtml(title)}</title>
  <link rel="stylesheet" type="text/css" href="${base}swagger-ui.css">
  <link rel="stylesheet" type="text/css" href="${base}index.css">
  <link rel="icon" type="image/png" href="${base}favicon-32x32.png" sizes="32x32">
  <link rel="icon" type="image/png" href="${base}favicon-16x16.png" sizes="16x16">
</head>
<body>
  <div id="swagger-ui"></div>
  <script src="${base}swagger-ui-bundle.js" charset="UTF-8"></script>
  <script src="${base}swagger-ui-standalone-preset.js" charset="UTF-8"></script>
  <script src="${base}swagger-ui-init.js" charset="UTF-8"></script>
</body>
</html>
`;
}

/** The document's URL is taken relative to this script's, so the UI also works under a proxy's path prefix. */
function initScript(documentPath: string): string {
  return `const documentUrl = new URL(${JSON.stringify(`..${documentPath}`)}, document.currentScript.src).href;
window.onload = function () {
  window.ui = SwaggerUIBundle({
    url: documentUrl,
    dom_id: '#swagger-ui',
    deepLinking: true,
    persistAuthorization: false,
    presets: [SwaggerUIBundle.presets.apis, SwaggerUIStandalonePreset],
    plugins: [SwaggerUIBundle.plugins.DownloadUrl],
    layout: 'StandaloneLayout',
  });
};
`;
}

/** Registers the UI at `/${path}`; the document is served at `documentPath` by the caller. */
export function serveSwaggerUi(fastify: FastifyInstance, path: string, documentPath: string, title: string): void {
  // swagger-ui-dist's folder, found without loading the package (its index loads the 1.5 MB bundle).
  const assets = dirname(require.resolve('swagger-ui-dist/package.json'));
  const atPage = page(title, `./${path}/`);
  const underPage = page(title, './');
  const init = initScript(documentPath);
  fastify.get(`/${path}`, (_request, reply) => reply.type('text/html; charset=utf-8').send(atPage));
  fastify.get(`/${path}/`, (_request, reply) => reply.type('text/html; charset=utf-8').send(underPage));
  fastify.get(`/${path}/index.html`, (_request, reply) => reply.type('text/html; charset=utf-8').send(underPage));
  fastify.get(`/${path}/swagger-ui-init.js`, (_request, reply) => reply.type('application/javascript; charset=utf-8').send(init));
  fastify.get<{ Params: { asset: string } }>(`/${path}/:asset`, (request, reply) => {
    const type = Object.hasOwn(ASSETS, request.params.asset) ? ASSETS[request.params.asset] : undefined;
    if (!type) return reply.callNotFound();
    return reply.type(type).send(createReadStream(join(assets, request.params.asset)));
  });
}
