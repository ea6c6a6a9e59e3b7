/**
 * `npm run demo`: the order → user flow against the running platform (`npm start`), hop by hop.
 *
 * 1. alice logs in through the authorization code flow with PKCE (a loopback redirect, RFC 8252),
 * 2. calls order-service with her token; order-service calls user-service with ITS OWN
 *    client-credentials token (and reuses it on the next call),
 * 3. the same call through an order-service with USER_LOOKUP=token_exchange (RFC 8693): it carries a
 *    token on behalf of alice instead; both downstream tokens' claims side by side, and what each lets
 *    order-service read while it serves alice (bob's profile: yes with its own token, no with hers),
 * 4. then the failure cases every guard must get right.
 */
import { colourEnabled } from '@app/platform/colour';
import { DEMO_USERS } from '@app/platform/demo-users';
import { loadEnvFiles } from '@app/platform/env';
import { decodeJwt, decodeProtectedHeader } from 'jose';
import { randomBytes } from 'node:crypto';
import { createServer, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { demoClientTokenCommand } from './support/banner';
import { DelegatedOrderService, delegatedOrderService } from './support/delegated-order-service';
import { hiddenFields, pkcePair } from './support/login-form';

// The same sources, in the same order, as the apps: the environment, then .env, then .env.example.
loadEnvFiles();

const AUTH = (process.env.DEMO_AUTH_SERVER_URL ?? `http://localhost:${process.env.AUTH_SERVER_PORT ?? 3000}`).replace(/\/$/, '');
const USERS = (process.env.DEMO_USER_SERVICE_URL ?? `http://localhost:${process.env.USER_SERVICE_PORT ?? 3001}`).replace(/\/$/, '');
const ORDERS = (process.env.DEMO_ORDER_SERVICE_URL ?? `http://localhost:${process.env.ORDER_SERVICE_PORT ?? 3002}`).replace(/\/$/, '');
const ALICE_ORDER = '0a1b2c3d-0000-4000-8000-a11ce0000101';
const BOB_ORDER = '0a1b2c3d-0000-4000-8000-b0b000000201';
const TOKEN_EXCHANGE = 'urn:ietf:params:oauth:grant-type:token-exchange';
const ACCESS_TOKEN_TYPE = 'urn:ietf:params:oauth:token-type:access_token';

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

/** What order-service reported of one request (its dev-only flow trace: claims and decisions, never a token). */
interface FlowTrace {
  downstream?: { target: string; serviceTokenClaims: Record<string, unknown>; tokenSource: 'cache' | 'token-endpoint'; status: number }[];
}

async function tracedCall(url: string, token: string) {
  const answer = await call(url, token, { headers: { 'x-flow-trace': '1' } });
  const header = answer.headers.get('x-flow-trace');
  let trace: FlowTrace | undefined;
  try {
    trace = header ? (JSON.parse(Buffer.from(header, 'base64url').toString()) as FlowTrace) : undefined;
  } catch {
    trace = undefined;
  }
  return { ...answer, downstream: trace?.downstream?.[0] };
}

/** The token endpoint's answer to order-service exchanging a user's token (RFC 8693), as order-service asks. */
function exchangeAnswer(subjectToken: string) {
  const credentials = orderServiceCredentials();
  return call(`${AUTH}/oauth/token`, undefined, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...credentials.headers },
    body: new URLSearchParams({
      ...credentials.form,
      grant_type: TOKEN_EXCHANGE,
      subject_token: subjectToken,
      subject_token_type: ACCESS_TOKEN_TYPE,
      resource: 'api://user-service',
      scope: 'users:read',
    }).toString(),
  });
}

/** Two tokens' claims next to each other, one claim a row (the values shortened to the column). */
function sideBySide(titles: [string, string], left: Record<string, unknown>, right: Record<string, unknown>): void {
  const width = 40;
  const cell = (value: unknown) => {
    const text = value === undefined ? '—' : typeof value === 'string' ? value : JSON.stringify(value);
    return text.length > width ? `${text.slice(0, width - 1)}…` : text.padEnd(width);
  };
  const keys = [...new Set([...Object.keys(left), ...Object.keys(right)])];
  const nameWidth = Math.max(6, ...keys.map((key) => key.length)) + 2;
  line(bold(`${'claim'.padEnd(nameWidth)}${titles[0].padEnd(width)}  ${titles[1]}`));
  for (const key of keys) {
    const differs = JSON.stringify(left[key]) !== JSON.stringify(right[key]) && !['iat', 'exp', 'nbf', 'jti'].includes(key);
    const row = `${key.padEnd(nameWidth)}${cell(left[key])}  ${cell(right[key]).trimEnd()}`;
    line(differs ? row : dim(row));
  }
}

/** Step 3: the same flow with order-service in token-exchange mode, and the two downstream tokens side by side. */
async function bothModes(aliceToken: string, serviceToken: string): Promise<void> {
  hop('the same call through an order-service with USER_LOOKUP=token_exchange: a token on behalf of alice');
  let delegatedOrders: DelegatedOrderService | undefined;
  try {
    delegatedOrders = await delegatedOrderService({ auth: AUTH, users: USERS });
  } catch (error) {
    throw new Error(`${(error as Error).message}
(set DEMO_DELEGATED_ORDER_SERVICE_URL to one you started)`);
  }
  try {
    let delegatedClaims: Record<string, unknown> | undefined;
    let serviceClaims: Record<string, unknown> | undefined;
    if (delegatedOrders) {
      line(`order-service in token-exchange mode at ${delegatedOrders.url} (${delegatedOrders.origin}); the same database, the same client order-service`);
      const first = await tracedCall(`${delegatedOrders.url}/orders/${ALICE_ORDER}`, aliceToken);
      const exchanged = first.downstream?.tokenSource === 'token-endpoint';
      line(
        exchanged
          ? `order-service exchanged alice's token: POST /oauth/token grant_type=${TOKEN_EXCHANGE} subject_token=<alice's token> resource=api://user-service`
          : "order-service held a token for alice's token already (cached per user token and audience)",
      );
      line(`order-service → user-service GET /users/<alice's id> with Authorization: Bearer <a token for alice, act: order-service>`);
      line(`response ${verdict(first.status, 200)}`);
      const second = await tracedCall(`${delegatedOrders.url}/orders/${ALICE_ORDER}`, aliceToken);
      line(
        `the same call again: ${second.downstream?.tokenSource === 'cache' ? green('(reused ✓)') : red('(exchanged again ✗)')} one exchange per user token and audience, until it expires`,
      );
      line(`response ${verdict(second.status, 200)}`);
      delegatedClaims = first.downstream?.serviceTokenClaims;
      // The client-credentials instance's own downstream token, as its flow trace reports it (claims only);
      // unless that instance runs with USER_LOOKUP=token_exchange too (COMPOSE_USER_LOOKUP), then the token made here.
      const mainClaims = (await tracedCall(`${ORDERS}/orders/${ALICE_ORDER}`, aliceToken)).downstream?.serviceTokenClaims;
      serviceClaims = mainClaims && !mainClaims.act ? mainClaims : undefined;
    } else {
      line(dim(`no order-service in token-exchange mode here: the platform runs elsewhere (DEMO_ORDER_SERVICE_URL), whose database the demo cannot reach.`));
      line(dim(`Set DEMO_DELEGATED_ORDER_SERVICE_URL to one started with USER_LOOKUP=token_exchange; below, the demo makes its token requests itself.`));
    }

    // The delegated token itself, made here exactly as order-service asks for it (the flow trace shows claims only).
    const exchange = await exchangeAnswer(aliceToken);
    const delegatedToken = (exchange.body as { access_token?: string }).access_token;
    line(`the same exchange, made here with order-service's credentials: ${verdict(exchange.status, 200)}`);
    if (!delegatedToken) throw new Error(`token exchange answered ${exchange.status}: ${JSON.stringify(exchange.body)}`);

    hop('side by side: the two tokens order-service sends to user-service (claims)');
    line(
      delegatedClaims && serviceClaims
        ? "as each order-service's flow trace reported them (X-Flow-Trace, development only)"
        : 'as the token endpoint issued them to the requests made here as order-service',
    );
    sideBySide(
      ['client credentials (its own)', 'token exchange (alice’s, act)'],
      serviceClaims ?? decodeJwt(serviceToken),
      delegatedClaims ?? decodeJwt(delegatedToken),
    );
    line(dim('sub: who the call is for · act.sub: who is calling for them (RFC 8693 §4.1) · client_id: the client that asked'));

    hop('the confused deputy: what each token lets order-service read while it serves alice');
    const aliceId = String(decodeJwt(aliceToken).sub);
    const bobId = DEMO_USERS.bob.id;
    const ownAlice = await call(`${USERS}/users/${aliceId}`, serviceToken);
    const ownBob = await call(`${USERS}/users/${bobId}`, serviceToken);
    line(`its own token, GET /users/<alice>: ${verdict(ownAlice.status, 200)}`);
    line(`its own token, GET /users/<bob>:   ${verdict(ownBob.status, 200)}  ${red('← any user: a compromised order-service reads everyone')}`);
    const delegatedAlice = await call(`${USERS}/users/${aliceId}`, delegatedToken);
    const delegatedBob = await call(`${USERS}/users/${bobId}`, delegatedToken);
    line(`alice's delegated token, GET /users/<alice>: ${verdict(delegatedAlice.status, 200)}`);
    // 404, not 403: someone else's profile looks like no profile, as someone else's order does.
    line(`alice's delegated token, GET /users/<bob>:   ${verdict(delegatedBob.status, 404)}  ${green('← serving alice, it can read alice only')}`);
    line(dim(`   ${JSON.stringify(delegatedBob.body)}`));
  } finally {
    await delegatedOrders?.stop();
  }
}

/**
 * How order-service authenticates to the auth-server, as order-service itself does: with its workload
 * identity token when it runs secretless (ORDER_SERVICE_CLIENT_ASSERTION_FILE, README "Running without
 * client secrets"; the file is read afresh, the platform rewrites it), else with its secret (Basic).
 */
function orderServiceCredentials(): { headers: Record<string, string>; form: Record<string, string>; how: string } {
  const assertionFile = process.env.ORDER_SERVICE_CLIENT_ASSERTION_FILE;
  if (!assertionFile) {
    const basic = Buffer.from(`order-service:${encodeURIComponent(process.env.ORDER_SERVICE_CLIENT_SECRET ?? '')}`).toString('base64');
    return { headers: { authorization: `Basic ${basic}` }, form: {}, how: demoClientTokenCommand(AUTH) };
  }
  return {
    headers: {},
    form: {
      client_id: 'order-service',
      client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
      client_assertion: readFileSync(assertionFile, 'utf8').trim(),
    },
    how: `federated_jwt: client_assertion = the workload token in ${assertionFile} (no secret)`,
  };
}

/** order-service's own token, requested here exactly as order-service requests it. */
async function orderServiceToken(form: Record<string, string>): Promise<{ token: string; how: string }> {
  const credentials = orderServiceCredentials();
  const { status, body } = await call(`${AUTH}/oauth/token`, undefined, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...credentials.headers },
    body: new URLSearchParams({ grant_type: 'client_credentials', ...credentials.form, ...form }).toString(),
  });
  const token = (body as { access_token?: string }).access_token;
  if (status !== 200 || !token) throw new Error(`client credentials for order-service answered ${status}: ${JSON.stringify(body)}`);
  return { token, how: credentials.how };
}

/** The whole demo; rejects on the first hop that cannot go on (a ✗ verdict alone does not). Exported for its test. */
export async function runDemo(): Promise<void> {
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

  hop("user-service's guard decision on GET /users/:id (@OnBehalfOfUser({ orServiceToken: true }), @Scopes('users:read'))");
  const aliceId = String(decodeJwt(aliceToken).sub);
  const accepted = await call(`${USERS}/users/${aliceId}`, serviceToken);
  line(`with order-service's service token (users:read): ${verdict(accepted.status, 200)}`);
  json(accepted.body);

  await bothModes(aliceToken, serviceToken);

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
  process.stdout.write(
    `\n${cyan('Done.')} Read the guards in libs/auth/src/resource-server, the token providers in libs/auth/src/client-credentials; ` +
      `README, "Which token should a service call carry?", says when to use which.\n`,
  );
  process.stdout.write(`Your own user token for curl: ${bold('TOKEN=$(npm run -s token -- --user alice)')}\n`);
}

// Run as `npm run demo` (scripts/run-built.js sets argv[1] to this file and requires it); imported by
// scripts/demo.e2e-spec.ts, which runs it against a platform of its own.
if (process.argv[1] && resolve(process.argv[1]) === __filename) {
  runDemo().catch((error: Error) => {
    process.stderr.write(`\n${red('demo failed:')} ${error.message}\n`);
    process.exit(1);
  });
}
