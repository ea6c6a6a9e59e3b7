import { createHash, randomBytes } from 'node:crypto';

export interface LoginResult {
  status: number;
  location?: URL;
  html: string;
}

export function pkcePair(): { verifier: string; challenge: string } {
  const verifier = randomBytes(32).toString('base64url');
  return { verifier, challenge: createHash('sha256').update(verifier).digest('base64url') };
}

/** Undoes the auth-server's HTML escaping (authorization/html.ts). */
export function unescapeHtml(text: string): string {
  return text.replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&#96;/g, '`').replace(/&amp;/g, '&');
}

export function hiddenFields(html: string): Record<string, string> {
  const fields: Record<string, string> = {};
  for (const [input] of html.matchAll(/<input\b[^>]*type="hidden"[^>]*>/g)) {
    const name = /name="([^"]*)"/.exec(input)?.[1];
    if (name) fields[unescapeHtml(name)] = unescapeHtml(/value="([^"]*)"/.exec(input)?.[1] ?? '');
  }
  return fields;
}

/** Drives the sign-in page like a browser: GET the form, keep the CSRF cookie, POST the credentials. */
export async function login(
  baseUrl: string,
  params: Record<string, string>,
  credentials: { username: string; password: string },
  tamper: { csrf?: string; dropCookie?: boolean } = {},
): Promise<LoginResult> {
  const page = await fetch(`${baseUrl}/oauth/authorize?${new URLSearchParams(params)}`, { redirect: 'manual' });
  const html = await page.text();
  if (page.status !== 200) {
    const location = page.headers.get('location');
    return { status: page.status, html, location: location ? new URL(location) : undefined };
  }
  const cookie = (page.headers.getSetCookie() ?? []).map((c) => c.split(';')[0]).join('; ');
  const fields = { ...hiddenFields(html), ...credentials, ...(tamper.csrf !== undefined ? { csrf: tamper.csrf } : {}) };
  const submitted = await fetch(`${baseUrl}/oauth/authorize`, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...(tamper.dropCookie ? {} : { cookie }) },
    body: new URLSearchParams(fields).toString(),
  });
  const location = submitted.headers.get('location');
  return { status: submitted.status, html: await submitted.text(), location: location ? new URL(location) : undefined };
}

/**
 * A user access token the way a native app gets one (authorization code + PKCE through the login
 * form, loopback redirect read from the Location header, then the code exchange).
 */
export async function signInWithPkce(
  baseUrl: string,
  credentials: { username: string; password: string },
  scope: string,
): Promise<string> {
  const { verifier, challenge } = pkcePair();
  const redirectUri = 'http://127.0.0.1:49152/callback';
  const result = await login(
    baseUrl,
    {
      response_type: 'code',
      client_id: 'demo-app',
      redirect_uri: redirectUri,
      scope,
      state: randomBytes(8).toString('base64url'),
      code_challenge: challenge,
      code_challenge_method: 'S256',
    },
    credentials,
  );
  const code = result.location?.searchParams.get('code');
  if (!code) throw new Error(`sign-in as ${credentials.username} answered ${result.status}`);
  const exchange = await fetch(`${baseUrl}/oauth/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'authorization_code', code, redirect_uri: redirectUri, client_id: 'demo-app', code_verifier: verifier }),
  });
  const body = (await exchange.json()) as { access_token?: string };
  if (!exchange.ok || !body.access_token) throw new Error(`code exchange answered ${exchange.status}`);
  return body.access_token;
}
