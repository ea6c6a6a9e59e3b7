// The consumer contract of @nest-oauth-m2m/auth: what any Nest app using the package must answer,
// whatever its platform (Express, Fastify), module system (ESM, CommonJS) and issuer.
//
//   APP_DIR=<built consumer app> ISSUER_KIND=local|local-federated|oidc-provider [APP_NODE=<node binary>] node test/consumer/contract.mjs
//
// local-federated: the app authenticates with federated_jwt, a workload token in a file
// (CLIENT_ASSERTION_FILE), and has no client secret at all.
//
// It starts the issuer, then the app (`node dist/main.js` in APP_DIR) pointed at it, then runs the suite.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { request as httpRequest } from 'node:http';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { APP_CLIENT, AUDIENCE, LocalIssuer, OidcProviderIssuer } from './issuers.mjs';

const { APP_DIR, ISSUER_KIND = 'local', APP_NODE = process.execPath } = process.env;
if (!APP_DIR) throw new Error('APP_DIR is required');

const federated = ISSUER_KIND === 'local-federated';
const issuer = ISSUER_KIND === 'oidc-provider' ? new OidcProviderIssuer() : new LocalIssuer({ federated });
/** federated_jwt: where the "kubelet" (this suite) writes the app's workload token. */
const tokenDir = federated ? mkdtempSync(join(tmpdir(), 'consumer-workload-token-')) : undefined;
const assertionFile = tokenDir && join(tokenDir, 'auth-server');
let app;
let base;

function freePort() {
  return new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

async function startApp() {
  const port = await freePort();
  // Written before the app starts: it checks the file at start.
  if (assertionFile) writeFileSync(assertionFile, await issuer.workloadToken());
  const child = spawn(APP_NODE, ['dist/main.js'], {
    cwd: APP_DIR,
    env: {
      PATH: process.env.PATH,
      PORT: String(port),
      ISSUER: issuer.url,
      AUDIENCE,
      CLIENT_ID: APP_CLIENT.id,
      ...(assertionFile ? { CLIENT_ASSERTION_FILE: assertionFile } : { CLIENT_SECRET: APP_CLIENT.secret }),
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stderr.on('data', (chunk) => (output += chunk));
  await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`app did not start in 30 s:\n${output}`)), 30_000);
    child.stdout.on('data', (chunk) => {
      output += chunk;
      if (/listening on/.test(output)) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`app exited with ${code}:\n${output}`));
    });
  });
  return { child, url: `http://127.0.0.1:${port}` };
}

const get = (path, token) => fetch(`${base}${path}`, token ? { headers: { authorization: `Bearer ${token}` } } : {});

/**
 * GET with two Authorization header lines. fetch() folds repeated headers into one value; node:http
 * sends a raw [name, value, …] list line by line (with no Host added, so it is given too).
 */
function getWithTwoAuthorizations(path, first, second) {
  return new Promise((resolve, reject) => {
    const url = new URL(path, base);
    const headers = ['host', url.host, 'authorization', first, 'authorization', second];
    const req = httpRequest(url, { headers }, (response) => {
      let text = '';
      response.setEncoding('utf8').on('data', (chunk) => (text += chunk));
      response.on('end', () => resolve({ status: response.statusCode, headers: response.headers, body: JSON.parse(text) }));
    });
    req.on('error', reject).end();
  });
}

describe(`@nest-oauth-m2m/auth contract (${APP_DIR.split('/').pop()}, ${issuer.name})`, () => {
  before(async () => {
    await issuer.start();
    app = await startApp();
    base = app.url;
  });

  after(async () => {
    app?.child.kill('SIGTERM');
    await issuer.close();
  });

  it('200 for a token with the scope, the caller a service (sub = client_id)', async () => {
    const response = await get('/things', await issuer.serviceToken('things:read'));
    assert.equal(response.status, 200);
    const body = await response.json();
    assert.equal(body.kind, 'service');
    assert.ok(body.scopes.includes('things:read'));
  });

  it('401 without a token: a bare Bearer challenge, no error attribute (RFC 6750 §3.1)', async () => {
    const response = await get('/things');
    assert.equal(response.status, 401);
    assert.equal(response.headers.get('www-authenticate'), 'Bearer');
    assert.match(response.headers.get('content-type'), /^application\/json/);
    assert.equal((await response.json()).error, 'invalid_token');
  });

  it('401 invalid_token for a bad token, with no stack or framework detail', async () => {
    const response = await get('/things', 'eyJhbGciOiJFUzI1NiJ9.e30.c2ln');
    assert.equal(response.status, 401);
    assert.match(response.headers.get('www-authenticate'), /^Bearer error="invalid_token", error_description="[\x20-\x7e]*"$/);
    const body = await response.json();
    assert.deepEqual(Object.keys(body).sort(), ['error', 'error_description']);
    assert.doesNotMatch(body.error_description, /at \S+ \(|node_modules|Error:/);
  });

  it('401 invalid_token for an expired token, saying so', async () => {
    const response = await get('/things', await issuer.expiredToken('things:read'));
    assert.equal(response.status, 401);
    assert.match(response.headers.get('www-authenticate'), /error="invalid_token"/);
    assert.match((await response.json()).error_description, /expired/);
  });

  // Node keeps only the first Authorization line in req.headers; the guard must still see both.
  it('400 invalid_request for two Authorization headers, even when the first holds a valid token', async () => {
    const valid = `Bearer ${await issuer.serviceToken('things:read')}`;
    for (const second of ['Bearer not-the-same-token', valid]) {
      const response = await getWithTwoAuthorizations('/things', valid, second);
      assert.equal(response.status, 400);
      assert.equal(response.headers['www-authenticate'], 'Bearer error="invalid_request", error_description="more than one Authorization header"');
      assert.deepEqual(response.body, { error: 'invalid_request', error_description: 'more than one Authorization header' });
    }
  });

  it('403 insufficient_scope with the required scope in WWW-Authenticate', async () => {
    const response = await get('/things', await issuer.serviceToken('other'));
    assert.equal(response.status, 403);
    assert.match(response.headers.get('www-authenticate'), /^Bearer error="insufficient_scope", error_description="[^"]*", scope="things:read"$/);
    assert.equal((await response.json()).error, 'insufficient_scope');
  });

  it('user vs service tokens: @ServiceOnly and @UserOnly', async () => {
    const service = await issuer.serviceToken('things:read');
    assert.equal((await get('/things/for-services', service)).status, 200);
    assert.equal((await get('/things/for-users', service)).status, 403);
    if (issuer.supportsUserTokens) {
      const user = await issuer.userToken('things:read');
      const response = await get('/things/for-users', user);
      assert.equal(response.status, 200);
      assert.deepEqual(await response.json(), { kind: 'user' });
      assert.equal((await get('/things/for-services', user)).status, 403);
    }
  });

  it('JWKS rotation: a token signed by a new key (the old one withdrawn) is accepted', async () => {
    assert.equal((await get('/things', await issuer.serviceToken('things:read'))).status, 200);
    await issuer.rotate();
    const response = await get('/things', await issuer.serviceToken('things:read'));
    assert.equal(response.status, 200);
  });

  it('token provider: one token request for concurrent callers (single flight), then the cache', async () => {
    const before = issuer.appTokenRequests;
    const first = await (await get('/token-probe?n=20')).json();
    assert.deepEqual(first, { distinct: 1, fetches: 1 });
    const second = await (await get('/token-probe?n=5')).json();
    assert.deepEqual(second, { distinct: 1, fetches: 0 });
    assert.equal(issuer.appTokenRequests - before, 1);
  });

  if (federated) {
    it('federated_jwt: the app authenticated with the workload token in its file, with no secret, and reads the file again for a new token', async () => {
      assert.ok(issuer.appAssertions.length >= 1);
      assert.equal(issuer.appAssertions.at(-1), readFileSync(assertionFile, 'utf8'));
      // The "kubelet" rewrites the file; the next token request (the cache left behind by a restart) sends the new one.
      app.child.kill('SIGTERM');
      await new Promise((resolve) => app.child.once('exit', resolve));
      app = await startApp();
      base = app.url;
      const rewritten = readFileSync(assertionFile, 'utf8');
      assert.notEqual(rewritten, issuer.appAssertions.at(-1));
      const probe = await (await get('/token-probe?n=1')).json();
      assert.equal(probe.fetches, 1);
      assert.equal(issuer.appAssertions.at(-1), rewritten);
    });
  }
});

after(() => tokenDir && rmSync(tokenDir, { recursive: true, force: true }));
