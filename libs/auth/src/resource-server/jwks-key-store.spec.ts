import { generateKeyPairSync } from 'node:crypto';
import { LocalHttpServer } from '../../test/support/local-http-servers';
import { JwksKeyStore } from './jwks-key-store';

describe('JwksKeyStore discovery', () => {
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
