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

function hiddenFields(html: string): Record<string, string> {
  const unescape = (v: string) => v.replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&#96;/g, '`').replace(/&amp;/g, '&');
  const fields: Record<string, string> = {};
  for (const [input] of html.matchAll(/<input\b[^>]*type="hidden"[^>]*>/g)) {
    const name = /name="([^"]*)"/.exec(input)?.[1];
    if (name) fields[unescape(name)] = unescape(/value="([^"]*)"/.exec(input)?.[1] ?? '');
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
