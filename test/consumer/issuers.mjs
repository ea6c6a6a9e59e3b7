// The two issuers the consumer contract runs against: a minimal standards issuer of our own
// (RFC 8414 metadata, JWKS, client-credentials token endpoint, RFC 9068 tokens minted at will) and
// node-oidc-provider, a foreign, certified implementation. Same interface, so one suite serves both.
import { createServer } from 'node:http';
import { exportJWK, generateKeyPair, jwtVerify, SignJWT } from 'jose';

export const AUDIENCE = 'api://things';
/** The consumer app's own client (its ClientCredentialsModule). */
export const APP_CLIENT = { id: 'consumer-app', secret: 'consumer-app-secret-0123456789abcdef' };
/** federated_jwt: the `sub` of the consumer app's workload token (a Kubernetes service account). */
export const APP_WORKLOAD_SUBJECT = 'system:serviceaccount:things:consumer-app';
/** The client the suite itself gets tokens with. */
const TESTER = { id: 'tester', secret: 'tester-secret-0123456789abcdef' };

function basicOf(header) {
  const match = /^Basic (.+)$/.exec(header ?? '');
  if (!match) return undefined;
  const decoded = Buffer.from(match[1], 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  return { id: decodeURIComponent(decoded.slice(0, colon)), secret: decodeURIComponent(decoded.slice(colon + 1)) };
}

const basic = ({ id, secret }) => `Basic ${Buffer.from(`${encodeURIComponent(id)}:${encodeURIComponent(secret)}`).toString('base64')}`;

async function readBody(request) {
  const chunks = [];
  for await (const chunk of request) chunks.push(chunk);
  return Buffer.concat(chunks).toString('utf8');
}

async function newKey() {
  const { privateKey, publicKey } = await generateKeyPair('ES256', { extractable: true });
  const kid = `k-${Date.now()}-${Math.random().toString(36).slice(2, 8)}`;
  return { kid, privateKey, publicKey, privateJwk: { ...(await exportJWK(privateKey)), kid, alg: 'ES256', use: 'sig' }, publicJwk: { ...(await exportJWK(publicKey)), kid, alg: 'ES256', use: 'sig' } };
}

function listen(server, port = 0) {
  return new Promise((resolve) => server.listen(port, '127.0.0.1', () => resolve(server.address().port)));
}

function close(server) {
  server.closeAllConnections?.();
  return new Promise((resolve) => server.close(() => resolve()));
}

/** Our own minimal issuer: everything under the suite's control (user tokens, expired tokens). */
export class LocalIssuer {
  name = 'local issuer';
  /** Token requests made by the consumer app's client. */
  appTokenRequests = 0;
  supportsUserTokens = true;
  /** federated_jwt: the assertions the app authenticated with. */
  appAssertions = [];

  /**
   * `federated`: the app authenticates with a workload token (federated_jwt) instead of its secret: a
   * JWT of a workload issuer (here a key of this server's, `iss` <url>/workload) whose `sub` is
   * APP_WORKLOAD_SUBJECT and `aud` this issuer, checked as the auth-server checks it.
   */
  constructor({ federated = false } = {}) {
    this.federated = federated;
    if (federated) this.name = 'local issuer, federated_jwt';
  }

  async start() {
    this.key = await newKey();
    this.workloadKey = await newKey();
    this.server = createServer((request, response) => void this.handle(request, response));
    this.url = `http://127.0.0.1:${await listen(this.server)}`;
    this.tokenEndpoint = `${this.url}/token`;
    return this;
  }

  close() {
    return close(this.server);
  }

  async rotate() {
    this.key = await newKey();
  }

  mint({ scope = '', sub, clientId = TESTER.id, expiresIn = 300 }) {
    const now = Math.floor(Date.now() / 1000);
    return new SignJWT({ client_id: clientId, scope, jti: crypto.randomUUID() })
      .setProtectedHeader({ alg: 'ES256', typ: 'at+jwt', kid: this.key.kid })
      .setIssuer(this.url)
      .setAudience(AUDIENCE)
      .setSubject(sub ?? clientId)
      .setIssuedAt(now - 60)
      .setExpirationTime(now + expiresIn)
      .sign(this.key.privateKey);
  }

  /** A workload token as the kubelet would write it for the app (600 s). */
  workloadToken() {
    const now = Math.floor(Date.now() / 1000);
    return new SignJWT({ 'kubernetes.io': { namespace: 'things', serviceaccount: { name: 'consumer-app' } } })
      .setProtectedHeader({ alg: 'ES256', typ: 'JWT', kid: this.workloadKey.kid })
      .setIssuer(`${this.url}/workload`)
      .setAudience([this.url])
      .setSubject(APP_WORKLOAD_SUBJECT)
      .setIssuedAt(now)
      .setNotBefore(now)
      .setExpirationTime(now + 600)
      .sign(this.workloadKey.privateKey);
  }

  /** RFC 7523 §2.2 client authentication with the workload token: no Authorization header, the assertion verified. */
  async federatedClientAuthenticated(form) {
    if (form.get('client_id') !== APP_CLIENT.id || form.get('client_assertion_type') !== 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer') return false;
    const assertion = form.get('client_assertion') ?? '';
    try {
      await jwtVerify(assertion, this.workloadKey.publicKey, { issuer: `${this.url}/workload`, audience: this.url, subject: APP_WORKLOAD_SUBJECT, algorithms: ['ES256'] });
    } catch {
      return false;
    }
    this.appAssertions.push(assertion);
    return true;
  }

  serviceToken(scope) {
    return this.mint({ scope });
  }

  userToken(scope) {
    return this.mint({ scope, sub: 'alice', clientId: 'demo-app' });
  }

  expiredToken(scope) {
    return this.mint({ scope, expiresIn: -2 });
  }

  async handle(request, response) {
    const json = (status, body) => {
      response.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' });
      response.end(JSON.stringify(body));
    };
    if (request.url === '/.well-known/oauth-authorization-server') {
      return json(200, { issuer: this.url, jwks_uri: `${this.url}/jwks`, token_endpoint: this.tokenEndpoint, grant_types_supported: ['client_credentials'] });
    }
    if (request.url === '/jwks') return json(200, { keys: [this.key.publicJwk] });
    if (request.url === '/token' && request.method === 'POST') {
      const form = new URLSearchParams(await readBody(request));
      if (this.federated) {
        if (!(await this.federatedClientAuthenticated(form))) return json(401, { error: 'invalid_client' });
      } else {
        const client = basicOf(request.headers.authorization);
        if (client?.id !== APP_CLIENT.id || client.secret !== APP_CLIENT.secret) return json(401, { error: 'invalid_client' });
      }
      if (form.get('grant_type') !== 'client_credentials') return json(400, { error: 'unsupported_grant_type' });
      this.appTokenRequests++;
      // Slow enough that concurrent callers overlap: single flight is then observable.
      await new Promise((resolve) => setTimeout(resolve, 150));
      const scope = form.get('scope') ?? 'things:read';
      return json(200, { access_token: await this.mint({ scope, clientId: APP_CLIENT.id }), token_type: 'Bearer', expires_in: 300, scope });
    }
    return json(404, { error: 'not_found' });
  }
}

/** node-oidc-provider (a dev dependency of the monorepo): client credentials, JWT access tokens through resource indicators. */
export class OidcProviderIssuer {
  name = 'node-oidc-provider';
  appTokenRequests = 0;
  /** Its user tokens need a login flow; the kind is checked with service tokens only. */
  supportsUserTokens = false;

  async start() {
    // A free port, kept across restarts (key rotation) so the issuer URL stays the same.
    const probe = createServer();
    this.port = await listen(probe);
    await close(probe);
    await this.boot(await newKey());
    return this;
  }

  async boot(key) {
    const { Provider } = await import('oidc-provider');
    this.url = `http://127.0.0.1:${this.port}`;
    this.tokenEndpoint = `${this.url}/token`;
    const resourceServer = (ttl) => ({ scope: 'things:read other', audience: AUDIENCE, accessTokenTTL: ttl, accessTokenFormat: 'jwt', jwt: { sign: { alg: 'ES256' } } });
    const client = ({ id, secret }, scope) => ({
      client_id: id,
      client_secret: secret,
      grant_types: ['client_credentials'],
      response_types: [],
      redirect_uris: [],
      token_endpoint_auth_method: 'client_secret_basic',
      id_token_signed_response_alg: 'ES256',
      scope,
    });
    const provider = new Provider(this.url, {
      clients: [client(APP_CLIENT, 'things:read'), client(TESTER, 'things:read other'), client({ id: 'short-lived', secret: TESTER.secret }, 'things:read')],
      jwks: { keys: [key.privateJwk] },
      scopes: ['things:read', 'other'],
      features: {
        devInteractions: { enabled: false },
        clientCredentials: { enabled: true },
        resourceIndicators: {
          enabled: true,
          defaultResource: () => AUDIENCE,
          useGrantedResource: () => true,
          getResourceServerInfo: (_ctx, resource, client) => {
            if (resource !== AUDIENCE) throw new Error(`unknown resource ${resource}`);
            return resourceServer(client.clientId === 'short-lived' ? 1 : 300);
          },
        },
      },
    });
    const callback = provider.callback();
    this.server = createServer((request, response) => {
      if (request.method === 'POST' && request.url === '/token' && basicOf(request.headers.authorization)?.id === APP_CLIENT.id) this.appTokenRequests++;
      callback(request, response);
    });
    await listen(this.server, this.port);
  }

  close() {
    return close(this.server);
  }

  /** A new signing key, the old one gone from the JWKS: a restart of the provider on the same URL. */
  async rotate() {
    await this.close();
    await this.boot(await newKey());
  }

  async token(client, scope) {
    const response = await fetch(this.tokenEndpoint, {
      method: 'POST',
      headers: { authorization: basic(client), 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'client_credentials', scope, resource: AUDIENCE }),
    });
    const body = await response.json();
    if (!response.ok) throw new Error(`node-oidc-provider refused a token: ${response.status} ${JSON.stringify(body)}`);
    return body.access_token;
  }

  serviceToken(scope) {
    return this.token(TESTER, scope);
  }

  userToken() {
    throw new Error('not supported');
  }

  /** Issued with a 1-second lifetime, then left to expire. */
  async expiredToken(scope) {
    const token = await this.token({ id: 'short-lived', secret: TESTER.secret }, scope);
    await new Promise((resolve) => setTimeout(resolve, 2_100));
    return token;
  }
}
