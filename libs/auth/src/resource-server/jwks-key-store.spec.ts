import { exportJWK, generateKeyPair } from 'jose';
import { generateKeyPairSync } from 'node:crypto';
import { LocalHttpServer } from '../../test/support/local-http-servers';
import { JwksKeyStore, metadataUrls } from './jwks-key-store';

describe('metadataUrls (where an issuer publishes its metadata)', () => {
  it('an issuer without a path: RFC 8414 first, then the OpenID Connect Discovery path', () => {
    expect(metadataUrls('http://localhost:3000')).toEqual([
      'http://localhost:3000/.well-known/oauth-authorization-server',
      'http://localhost:3000/.well-known/openid-configuration',
    ]);
  });

  it('an issuer with a path: the suffix between host and path (RFC 8414 §3.1), then appended, then OpenID', () => {
    expect(metadataUrls('https://as.example/realms/x/')).toEqual([
      'https://as.example/.well-known/oauth-authorization-server/realms/x',
      'https://as.example/realms/x/.well-known/oauth-authorization-server',
      'https://as.example/realms/x/.well-known/openid-configuration',
    ]);
  });
});

describe('JwksKeyStore discovery', () => {
  let server: LocalHttpServer;
  let issuer: string;
  let jwk: Record<string, unknown>;
  /** Which well-known paths this fake issuer serves. */
  let serves: (path: string) => boolean;
  let status = 200;

  beforeAll(async () => {
    const pair = await generateKeyPair('ES256');
    jwk = { ...(await exportJWK(pair.publicKey)), kid: 'k1', alg: 'ES256', use: 'sig' };
    server = await new LocalHttpServer((request) => {
      if (request.url === '/realms/x/jwks') return { kind: 'respond', status: 200, body: { keys: [jwk] } };
      if (!serves(request.url)) return { kind: 'respond', status: 404, body: { error: 'not_found' } };
      return { kind: 'respond', status, body: { issuer, jwks_uri: `${issuer}/jwks`, access_token_signing_alg_values_supported: ['ES256'] } };
    }).start();
    issuer = `${server.url}/realms/x`;
  });
  afterAll(() => server.close());
  beforeEach(() => {
    server.requests.length = 0;
    status = 200;
  });

  const store = () => new JwksKeyStore({ issuer, audience: 'api://x' });

  it.each([
    ['RFC 8414 §3.1 (suffix before the path)', '/.well-known/oauth-authorization-server/realms/x'],
    ['the RFC 8414 suffix appended to the issuer', '/realms/x/.well-known/oauth-authorization-server'],
    ['OpenID Connect Discovery only', '/realms/x/.well-known/openid-configuration'],
  ])('finds the keys of an issuer that publishes %s', async (_case, path) => {
    serves = (url) => url === path;
    expect(await store().ensureKeys()).toBe(1);
    expect(server.requests.at(-1)!.url).toBe('/realms/x/jwks');
  });

  it('does not move on when the metadata URL fails for another reason than 404 (an outage is not absence)', async () => {
    serves = () => true;
    status = 503;
    await expect(store().ensureKeys()).rejects.toThrow(/503/);
    expect(server.requests.map((request) => request.url)).toEqual(['/.well-known/oauth-authorization-server/realms/x']);
  });

  it('still refuses a document whose issuer is not the configured one', async () => {
    serves = (url) => url === '/realms/x/.well-known/openid-configuration';
    const other = new JwksKeyStore({ issuer: `${server.url}/realms/x`, authServerUrl: `${server.url}/realms/x`, audience: 'api://x' });
    const saved = issuer;
    issuer = 'https://impostor.example';
    try {
      await expect(other.ensureKeys()).rejects.toThrow(/not the configured issuer/);
    } finally {
      issuer = saved;
    }
  });
});


describe('JwksKeyStore discovery (documents served per path)', () => {
  const { publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const jwk = { ...publicKey.export({ format: 'jwk' }), kid: 'k1', alg: 'ES256' };
  let server: LocalHttpServer;
  let documents: Record<string, (url: string) => unknown>;

  beforeEach(async () => {
    documents = {};
    server = await new LocalHttpServer((request) => {
      const document = documents[request.url];
      return document ? { kind: 'respond', status: 200, body: document(server.url) } : { kind: 'respond', status: 404, body: { error: 'not_found' } };
    }).start();
  });
  afterEach(() => server.close());

  it('RFC 8414 §3.1: inserts the well-known segment before the path of an issuer with a path', async () => {
    documents['/.well-known/oauth-authorization-server/realms/x'] = (base) => ({ issuer: `${base}/realms/x`, jwks_uri: `${base}/realms/x/certs` });
    documents['/realms/x/certs'] = () => ({ keys: [jwk] });
    const store = new JwksKeyStore({ issuer: `${server.url}/realms/x`, audience: 'api://x' });
    expect((await store.getKey('k1', 'ES256')).asymmetricKeyType).toBe('ec');
    expect(server.requests.map((r) => r.url)).toEqual(['/.well-known/oauth-authorization-server/realms/x', '/realms/x/certs']);
  });

  it('falls back to OpenID Connect discovery when the RFC 8414 document is not there', async () => {
    documents['/realms/x/.well-known/openid-configuration'] = (base) => ({ issuer: `${base}/realms/x`, jwks_uri: `${base}/realms/x/jwks` });
    documents['/realms/x/jwks'] = () => ({ keys: [jwk] });
    const store = new JwksKeyStore({ issuer: `${server.url}/realms/x`, audience: 'api://x' });
    await store.getKey('k1', 'ES256');
    expect(server.requests.map((r) => r.url)).toEqual([
      '/.well-known/oauth-authorization-server/realms/x',
      '/realms/x/.well-known/oauth-authorization-server',
      '/realms/x/.well-known/openid-configuration',
      '/realms/x/jwks',
    ]);
  });

  it('refuses metadata naming another issuer (RFC 8414 §3.3)', async () => {
    documents['/.well-known/oauth-authorization-server'] = () => ({ issuer: 'https://evil.example', jwks_uri: 'https://evil.example/jwks' });
    const store = new JwksKeyStore({ issuer: server.url, audience: 'api://x' });
    await expect(store.getKey('k1', 'ES256')).rejects.toThrow(/not the configured issuer/);
  });
});

describe('JwksKeyStore with a jwksProvider (keys held locally, never fetched)', () => {
  const keyPair = () => generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey.export({ format: 'jwk' });
  // Nothing listens there: any attempt at discovery or fetch would fail the test.
  const unreachable = 'http://127.0.0.1:9';
  const fetchSpy = jest.spyOn(globalThis, 'fetch');
  afterAll(() => fetchSpy.mockRestore());
  beforeEach(() => fetchSpy.mockClear());

  it('verifies with the provided keys, and calls neither discovery nor the JWKS URL', async () => {
    const keys = [{ ...keyPair(), kid: 'k1', alg: 'ES256', use: 'sig' }];
    const store = new JwksKeyStore({ issuer: unreachable, audience: 'api://x', jwksProvider: () => ({ keys }) });
    expect(await store.algorithms()).toContain('ES256');
    expect((await store.getKey('k1', 'ES256')).asymmetricKeyType).toBe('ec');
    await expect(store.getKey('k1', 'RS256')).rejects.toThrow(/not for RS256/);
    expect(await store.ensureKeys()).toBe(1);
    expect(fetchSpy).not.toHaveBeenCalled();
  });

  it('asks the provider again for an unknown kid (a rotated-in key), not for a known one', async () => {
    const keys: Record<string, unknown>[] = [{ ...keyPair(), kid: 'old', alg: 'ES256' }];
    const provider = jest.fn(async () => ({ keys: [...keys] }));
    const store = new JwksKeyStore({ issuer: unreachable, audience: 'api://x', jwksProvider: provider, jwksCooldownMs: 0 });
    await store.getKey('old', 'ES256');
    keys.push({ ...keyPair(), kid: 'new', alg: 'ES256' });
    expect((await store.getKey('new', 'ES256')).asymmetricKeyType).toBe('ec');
    expect(provider).toHaveBeenCalledTimes(2);
    await store.getKey('old', 'ES256');
    expect(provider).toHaveBeenCalledTimes(2);
  });

  it('keeps the keys it has when the provider fails, and rejects when it never had any', async () => {
    let fail = false;
    const keys = [{ ...keyPair(), kid: 'k1', alg: 'ES256' }];
    const store = new JwksKeyStore({
      issuer: unreachable,
      audience: 'api://x',
      jwksCooldownMs: 0,
      jwksProvider: () => {
        if (fail) throw new Error('key table unavailable');
        return { keys };
      },
    });
    await store.getKey('k1', 'ES256');
    fail = true;
    await store.refresh();
    expect((await store.getKey('k1', 'ES256')).asymmetricKeyType).toBe('ec');
    const empty = new JwksKeyStore({ issuer: unreachable, audience: 'api://x', jwksProvider: () => Promise.reject(new Error('down')) });
    await expect(empty.ensureKeys()).rejects.toThrow(/down/);
  });
});
