import type { TestAuthServer } from './auth-server.harness';

export const ADMIN_AUDIENCE = 'api://auth-server-admin';

/** One admin API call as JSON: status, headers and the parsed body (undefined when empty). */
export async function callAdmin(server: TestAuthServer, method: string, path: string, options: { token?: string; body?: unknown; rawBody?: string } = {}) {
  const headers: Record<string, string> = {};
  if (options.token !== undefined) headers.authorization = `Bearer ${options.token}`;
  if (options.body !== undefined || options.rawBody !== undefined) headers['content-type'] = 'application/json';
  const response = await fetch(`${server.url}${path}`, {
    method,
    headers,
    body: options.rawBody ?? (options.body === undefined ? undefined : JSON.stringify(options.body)),
  });
  const text = await response.text();
  return { status: response.status, headers: response.headers, body: (text ? JSON.parse(text) : undefined) as Record<string, unknown> & unknown[] };
}
