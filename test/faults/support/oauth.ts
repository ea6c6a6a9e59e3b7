import { login, pkcePair } from '../../../scripts/support/login-form';
import { DRILL_SECRETS } from './processes';

export const ALICE_ORDER = '0a1b2c3d-0000-4000-8000-a11ce0000101';
export const ALICE_ID = '7f3c2a9e-1b4d-4c8e-9a6f-a11ce0000001';

export function basic(clientId: string, secret: string): string {
  return `Basic ${Buffer.from(`${encodeURIComponent(clientId)}:${encodeURIComponent(secret)}`).toString('base64')}`;
}

export const TOKEN_FORM = 'grant_type=client_credentials&scope=users:read';

export async function clientToken(authUrl: string, clientId: string, secret: string, form = TOKEN_FORM): Promise<string> {
  const response = await fetch(`${authUrl}/oauth/token`, {
    method: 'POST',
    headers: { authorization: basic(clientId, secret), 'content-type': 'application/x-www-form-urlencoded' },
    body: form,
  });
  const body = (await response.json()) as { access_token?: string };
  if (response.status !== 200 || !body.access_token) throw new Error(`token request answered ${response.status}`);
  return body.access_token;
}

/** alice's access token through the real login: authorization code + PKCE, then the code exchange. */
export async function aliceToken(authUrl: string): Promise<{ token: string; exp: number }> {
  const { verifier, challenge } = pkcePair();
  const redirectUri = 'http://127.0.0.1:8765/callback';
  const result = await login(
    authUrl,
    {
      response_type: 'code',
      client_id: 'demo-app',
      redirect_uri: redirectUri,
      scope: 'orders:read orders:write',
      state: 'drill',
      code_challenge: challenge,
      code_challenge_method: 'S256',
    },
    { username: 'alice', password: DRILL_SECRETS.alice },
  );
  const code = result.location?.searchParams.get('code');
  if (!code) throw new Error(`login answered ${result.status}`);
  const response = await fetch(`${authUrl}/oauth/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'authorization_code', code, redirect_uri: redirectUri, client_id: 'demo-app', code_verifier: verifier }).toString(),
  });
  const body = (await response.json()) as { access_token?: string };
  if (!body.access_token) throw new Error(`code exchange answered ${response.status}`);
  const claims = JSON.parse(Buffer.from(body.access_token.split('.')[1]!, 'base64url').toString()) as { exp: number };
  return { token: body.access_token, exp: claims.exp * 1000 };
}

export function kidOf(token: string): string {
  return (JSON.parse(Buffer.from(token.split('.')[0]!, 'base64url').toString()) as { kid: string }).kid;
}
