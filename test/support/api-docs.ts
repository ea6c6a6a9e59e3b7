import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { randomUUID } from 'node:crypto';

export interface RegisteredRoute {
  method: string;
  /** OpenAPI-style path. */
  path: string;
}

interface Operation {
  security?: Record<string, string[]>[];
  description?: string;
}
export type ApiDocument = { paths: Record<string, Record<string, Operation>>; components: { securitySchemes: Record<string, unknown> } };

/**
 * Records every route Fastify registers from now on (call before listen), as the router sees them,
 * independently of how the OpenAPI document was built.
 */
export function recordRoutes(app: NestFastifyApplication): RegisteredRoute[] {
  const routes: RegisteredRoute[] = [];
  app
    .getHttpAdapter()
    .getInstance()
    .addHook('onRoute', (route) => {
      for (const method of [route.method].flat()) {
        // HEAD twins, the docs' own routes and CORS preflight (OPTIONS *) are not API operations.
        if (method === 'HEAD' || method === 'OPTIONS' || route.url.startsWith('/docs')) continue;
        routes.push({ method: method.toLowerCase(), path: route.url.replace(/:([A-Za-z0-9_]+)/g, '{$1}') });
      }
    });
  return routes;
}

export async function fetchApiDocument(baseUrl: string): Promise<ApiDocument> {
  const response = await fetch(`${baseUrl}/docs-json`);
  if (response.status !== 200) throw new Error(`/docs-json answered ${response.status}`);
  return (await response.json()) as ApiDocument;
}

export function documentedOperations(document: ApiDocument): RegisteredRoute[] {
  return Object.entries(document.paths).flatMap(([path, operations]) => Object.keys(operations).map((method) => ({ method, path })));
}

/** Calls an operation with any path parameter filled with a fresh UUID. */
export async function callOperation(baseUrl: string, route: RegisteredRoute, token?: string): Promise<Response> {
  const url = baseUrl + route.path.replace(/\{[^}]+\}/g, () => randomUUID());
  return fetch(url, {
    method: route.method.toUpperCase(),
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: route.method === 'get' ? undefined : '{}',
  });
}

/** The scopes a 403 insufficient_scope challenge names (RFC 6750 §3 scope attribute). */
export function challengedScopes(response: Response): string[] | undefined {
  const scope = /scope="([^"]*)"/.exec(response.headers.get('www-authenticate') ?? '')?.[1];
  return scope === undefined ? undefined : scope.split(' ').filter(Boolean).sort();
}
