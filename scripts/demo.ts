/**
 * `npm run demo`: the order → user flow against the running platform (`npm start`), hop by hop.
 *
 * 1. alice logs in through the authorization code flow with PKCE (a loopback redirect, RFC 8252),
 * 2. calls order-service with her token; order-service calls user-service with ITS OWN
 *    client-credentials token (and reuses it on the next call),
 * 3. then the failure cases every guard must get right.
 */
import { colourEnabled } from '@app/platform/colour';
import { loadEnvFiles } from '@app/platform/env';
import { decodeJwt, decodeProtectedHeader } from 'jose';
import { randomBytes } from 'node:crypto';
import { createServer, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import { readFileSync } from 'node:fs';
import { demoClientTokenCommand } from './support/banner';
import { hiddenFields, pkcePair } from './support/login-form';

// The same sources, in the same order, as the apps: the environment, then .env, then .env.example.
loadEnvFiles();

const AUTH = (process.env.DEMO_AUTH_SERVER_URL ?? `http://localhost:${process.env.AUTH_SERVER_PORT ?? 3000}`).replace(/\/$/, '');
const USERS = (process.env.DEMO_USER_SERVICE_URL ?? `http://localhost:${process.env.USER_SERVICE_PORT ?? 3001}`).replace(/\/$/, '');
const ORDERS = (process.env.DEMO_ORDER_SERVICE_URL ?? `http://localhost:${process.env.ORDER_SERVICE_PORT ?? 3002}`).replace(/\/$/, '');
const ALICE_ORDER = '0a1b2c3d-0000-4000-8000-a11ce0000101';
const BOB_ORDER = '0a1b2c3d-0000-4000-8000-b0b000000201';

const color = colourEnabled(process.stdout) ? (code: number) => (text: string) => `\x1b[${code}m${text}\x1b[0m` : () => (text: string) => text;
const bold = color(1);
const dim = color(2);
const green = color(32);
const red = color(31);
const cyan = color(36);

let step = 0;
function hop(title: string): void {
  step++;
  process.stdout.write(`\n${bold(`${step}. ${title}`)}\n`);
}
function line(text = ''): void {
  process.stdout.write(`   ${text}\n`);
}
function json(value: unknown): void {
  for (const text of JSON.stringify(value, null, 2).split('\n')) line(dim(text));
}
/** Enough of a token to recognise it, never the whole (it is a credential). */
function shortToken(token: string): string {
  return `${token.slice(0, 16)}…${token.slice(-6)} (${token.length} chars)`;
}
function verdict(status: number, expected: number): string {
  return status === expected ? green(`${status} ✓ as expected`) : red(`${status} ✗ expected ${expected}`);
}

async function call(url: string, token?: string, init: RequestInit = {}) {
  const response = await fetch(url, {
    ...init,
    redirect: 'manual',
    headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(init.headers as Record<string, string> | undefined) },
    signal: AbortSignal.timeout(10_000),
  });
  const text = await response.text();
  let body: unknown = text;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {
    // HTML or text
  }
  return { status: response.status, headers: response.headers, body };
}

/** A loopback listener, as a native app would run one, that receives the authorization response. */
function startLoopback(): Promise<{ server: Server; redirectUri: string; received: Promise<URL> }> {
  return new Promise((resolve) => {
    let deliver: (url: URL) => void = () => undefined;
    const received = new Promise<URL>((done) => (deliver = done));
    const server = createServer((request, response) => {
      const url = new URL(request.url ?? '/', 'http://127.0.0.1');
      response.writeHead(200, { 'content-type': 'text/plain' }).end('You can close this window.');
      if (url.pathname === '/callback') deliver(url);
    });
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      resolve({ server, redirectUri: `http://127.0.0.1:${port}/callback`, received });
    });
  });
}

async function loginAsAlice(): Promise<string> {
  hop('alice logs in: authorization code + PKCE (S256) with a loopback redirect');
  const { verifier, challenge } = pkcePair();
  const state = randomBytes(16).toString('base64url');
  const loopback = await startLoopback();
  try {
    const authorize = new URL(`${AUTH}/oauth/authorize`);
    for (const [key, value] of Object.entries({
      response_type: 'code',
      client_id: 'demo-app',
      redirect_uri: loopback.redirectUri,
      scope: 'orders:read orders:write',
      state,
      code_challenge: challenge,
      code_challenge_method: 'S256',
    })) {
      authorize.searchParams.set(key, value);
    }
    line(`GET ${authorize.origin}${authorize.pathname}?client_id=demo-app&redirect_uri=${loopback.redirectUri}&code_challenge=${challenge.slice(0, 10)}…`);
    const page = await fetch(authorize, { redirect: 'manual' });
    const html = await page.text();
    if (page.status !== 200) throw new Error(`the login page answered ${page.status}`);
    const cookie = (page.headers.getSetCookie?.() ?? []).map((c) => c.split(';')[0]).join('; ');
    line(`login page ${page.status}; CSRF token in a cookie and a hidden field`);

    const form = new URLSearchParams({ ...hiddenFields(html), username: 'alice', password: process.env.ALICE_PASSWORD ?? '' });
    const submitted = await fetch(`${AUTH}/oauth/authorize`, {
      method: 'POST',
      redirect: 'manual',
      headers: { 'content-type': 'application/x-www-form-urlencoded', cookie },
      body: form.toString(),
    });
    const location = submitted.headers.get('location');
    if (submitted.status !== 302 || !location) throw new Error(`login answered ${submitted.status}: is ALICE_PASSWORD right?`);
    line(`POST credentials → ${submitted.status} to ${location.split('?')[0]}?code=…&state=…`);
    await fetch(location).catch(() => undefined);
    const callback = await loopback.received;
    if (callback.searchParams.get('state') !== state) throw new Error('state mismatch');
    const code = callback.searchParams.get('code') ?? '';
    line(`loopback listener received the code (state matches, iss=${callback.searchParams.get('iss')})`);

    const exchange = await call(`${AUTH}/oauth/token`, undefined, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'authorization_code',
        code,
        redirect_uri: loopback.redirectUri,
        client_id: 'demo-app',
        code_verifier: verifier,
      }).toString(),
    });
    const tokens = exchange.body as { access_token?: string; refresh_token?: string };
    if (exchange.status !== 200 || !tokens.access_token) throw new Error(`code exchange answered ${exchange.status}`);
    line(`POST /oauth/token grant_type=authorization_code + code_verifier → ${exchange.status}`);
    line(`alice's access token ${shortToken(tokens.access_token)}; header ${JSON.stringify(decodeProtectedHeader(tokens.access_token))}`);
    line('its claims (a user token: sub is alice, not the client):');
    json(decodeJwt(tokens.access_token));
    return tokens.access_token;
  } finally {
    loopback.server.close();
  }
}

async function tokenStats(): Promise<{ fetches: number; hits: number } | undefined> {
  const { status, body } = await call(`${ORDERS}/debug/service-token`).catch(() => ({ status: 0, body: undefined }));
  return status === 200 ? (body as { fetches: number; hits: number }) : undefined;
}

/** The token endpoint's answer to a client_credentials request, refused or not. */
function clientCredentialsAnswer(clientId: string, secret: string, form: Record<string, string>) {
  const basic = Buffer.from(`${encodeURIComponent(clientId)}:${encodeURIComponent(secret)}`).toString('base64');
  return call(`${AUTH}/oauth/token`, undefined, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: `Basic ${basic}` },
    body: new URLSearchParams({ grant_type: 'client_credentials', ...form }).toString(),
  });
}

async function clientCredentials(clientId: string, secret: string, form: Record<string, string>): Promise<string> {
  const { status, body } = await clientCredentialsAnswer(clientId, secret, form);
  const token = (body as { access_token?: string }).access_token;
  if (status !== 200 || !token) throw new Error(`client credentials for ${clientId} answered ${status}: ${JSON.stringify(body)}`);
  return token;
}

/**
 * order-service's own token, as order-service gets it: with its workload identity token when it runs
 * secretless (ORDER_SERVICE_CLIENT_ASSERTION_FILE, README "Running without client secrets"), else its secret.
 */
async function orderServiceToken(form: Record<string, string>): Promise<{ token: string; how: string }> {
  const assertionFile = process.env.ORDER_SERVICE_CLIENT_ASSERTION_FILE;
  if (!assertionFile) {
    return { token: await clientCredentials('order-service', process.env.ORDER_SERVICE_CLIENT_SECRET ?? '', form), how: demoClientTokenCommand(AUTH) };
  }
  const { status, body } = await call(`${AUTH}/oauth/token`, undefined, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'client_credentials',
      client_id: 'order-service',
      client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
      client_assertion: readFileSync(assertionFile, 'utf8').trim(),
      ...form,
    }).toString(),
  });
  const token = (body as { access_token?: string }).access_token;
  if (status !== 200 || !token) throw new Error(`federated client credentials for order-service answered ${status}: ${JSON.stringify(body)}`);
  return { token, how: `federated_jwt: client_assertion = the workload token in ${assertionFile} (no secret)` };
}

async function main(): Promise<void> {
  process.stdout.write(bold('The order → user flow, hop by hop\n'));
  line(`auth-server ${AUTH} · user-service ${USERS} · order-service ${ORDERS}`);
  const metadata = await call(`${AUTH}/.well-known/oauth-authorization-server`).catch(() => undefined);
  if (!metadata || metadata.status !== 200) {
    throw new Error(`the auth-server does not answer at ${AUTH}: start the platform first with \`npm start\``);
  }

  const aliceToken = await loginAsAlice();

  hop(`alice calls order-service: GET /orders/${ALICE_ORDER}`);
  const before = await tokenStats();
  const first = await call(`${ORDERS}/orders/${ALICE_ORDER}`, aliceToken);
  line(`order-service guard: alice's token verified (JWKS, iss, aud=api://order-service, typ at+jwt), user token ✓, orders:read ✓`);
  const afterFirst = await tokenStats();
  if (before && afterFirst) {
    line(
      afterFirst.fetches > before.fetches
        ? `order-service asked the auth-server for its own token: POST /oauth/token grant_type=client_credentials (fetches ${before.fetches} → ${afterFirst.fetches})`
        : `order-service already held a valid token of its own: no token request (fetches stay ${afterFirst.fetches})`,
    );
  }
  line(`order-service → user-service GET /users/<alice's id> with Authorization: Bearer <order-service's token>`);
  line(`response ${verdict(first.status, 200)}`);
  json(first.body);

  hop('the same call again: order-service reuses its cached service token');
  const second = await call(`${ORDERS}/orders/${ALICE_ORDER}`, aliceToken);
  const afterSecond = await tokenStats();
  if (afterFirst && afterSecond) {
    line(
      `token requests: ${afterFirst.fetches} → ${afterSecond.fetches}; cache hits: ${afterFirst.hits} → ${afterSecond.hits}` +
        (afterSecond.fetches === afterFirst.fetches ? green('  (reused ✓)') : red('  (fetched again ✗)')),
    );
  }
  line(`response ${verdict(second.status, 200)}`);

  hop("what order-service's own token looks like (the same client-credentials request, made here)");
  const { token: serviceToken, how } = await orderServiceToken({ scope: 'users:read', resource: 'api://user-service' });
  line(how);
  line('claims (a service token: sub = client_id, no auth_time):');
  json(decodeJwt(serviceToken));

  hop("user-service's guard decision on GET /users/:id (@ServiceOnly, @Scopes('users:read'))");
  const aliceId = String(decodeJwt(aliceToken).sub);
  const accepted = await call(`${USERS}/users/${aliceId}`, serviceToken);
  line(`with order-service's service token (users:read): ${verdict(accepted.status, 200)}`);
  json(accepted.body);

  hop('failure cases');
  const noToken = await call(`${ORDERS}/orders`);
  line(`no token on order-service: ${verdict(noToken.status, 401)}  WWW-Authenticate: ${noToken.headers.get('www-authenticate')}`);

  const reportingSecret = process.env.REPORTING_SERVICE_CLIENT_SECRET;
  if (reportingSecret) {
    const serviceOnOrders = await clientCredentials('reporting-service', reportingSecret, { scope: 'orders:read', resource: 'api://order-service' });
    const refused = await call(`${ORDERS}/orders`, serviceOnOrders);
    line(`a service token (orders:read) on order-service, which serves users only: ${verdict(refused.status, 403)}`);
    line(dim(`   ${JSON.stringify(refused.body)}`));
    // reporting-service is granted orders:read at api://order-service only: no token for user-service at all.
    const notGranted = await clientCredentialsAnswer('reporting-service', reportingSecret, { scope: 'users:read', resource: 'api://user-service' });
    line(`a token for user-service, where reporting-service has no grant: ${verdict(notGranted.status, 400)}`);
    line(dim(`   ${JSON.stringify(notGranted.body)}`));
    const wrongAudience = await call(`${USERS}/users/${aliceId}`, serviceOnOrders);
    line(`its order-service token on user-service: ${verdict(wrongAudience.status, 401)}`);
  }
  const userOnUsers = await call(`${USERS}/users/${aliceId}`, aliceToken);
  line(`alice's own token on user-service (wrong audience for it): ${verdict(userOnUsers.status, 401)}`);
  const bobsOrder = await call(`${ORDERS}/orders/${BOB_ORDER}`, aliceToken);
  line(`alice reads bob's order: ${verdict(bobsOrder.status, 404)}  (someone else's order looks like no order)`);
  process.stdout.write(`\n${cyan('Done.')} Read the guards in libs/auth/src/resource-server, the token provider in libs/auth/src/client-credentials.\n`);
  process.stdout.write(`Your own user token for curl: ${bold('TOKEN=$(npm run -s token -- --user alice)')}\n`);
}

main().catch((error: Error) => {
  process.stderr.write(`\n${red('demo failed:')} ${error.message}\n`);
  process.exit(1);
});
