import { createLocalJWKSet, decodeProtectedHeader, JSONWebKeySet, jwtVerify } from 'jose';
import { createPrivateKey, createPublicKey, JsonWebKey } from 'node:crypto';
import { Client } from 'pg';
import { createTestDatabase } from '../../../test/support/database';
import { KeyEncryption } from '../src/keys/key-encryption';
import { SigningKeysService } from '../src/keys/signing-keys.service';
import { basicAuth, postForm, requestToken, startAuthServer, TEST_DEMO_SECRET, TEST_ENV, TestAuthServer } from './support/auth-server.harness';

const demo = { clientId: 'order-service', secret: TEST_DEMO_SECRET };

/** Private JWK members (RFC 7518 §6.2.2, §6.3.2) and symmetric key material: none may be published. */
const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k'];

async function fetchJwks(server: TestAuthServer): Promise<JSONWebKeySet> {
  const response = await fetch(`${server.url}/.well-known/jwks.json`);
  expect(response.status).toBe(200);
  return (await response.json()) as JSONWebKeySet;
}

async function issueToken(server: TestAuthServer): Promise<string> {
  const { status, body } = await requestToken(server, demo, { scope: 'users:read' });
  expect(status).toBe(200);
  return String(body.access_token);
}

const kidOf = (token: string) => decodeProtectedHeader(token).kid;

function verifyWith(jwks: JSONWebKeySet, server: TestAuthServer, token: string, algorithms: string[] = ['ES256']) {
  return jwtVerify(token, createLocalJWKSet(jwks), {
    issuer: server.issuer,
    audience: 'api://user-service',
    algorithms,
    typ: 'at+jwt',
  });
}

async function introspect(server: TestAuthServer, token: string): Promise<Record<string, unknown>> {
  const { status, body } = await postForm(
    server,
    '/oauth/introspect',
    { token },
    { headers: { authorization: basicAuth(demo.clientId, demo.secret) } },
  );
  expect(status).toBe(200);
  return body;
}

interface SigningKeyRow {
  kid: string;
  alg: string;
  public_jwk: JsonWebKey;
  private_key_encrypted: string;
}

async function signingKeyRows(server: TestAuthServer): Promise<SigningKeyRow[]> {
  const client = new Client({ connectionString: server.databaseUrl });
  await client.connect();
  try {
    const { rows } = await client.query<SigningKeyRow>(
      'SELECT kid, alg, public_jwk, private_key_encrypted FROM auth.signing_keys ORDER BY activates_at, kid',
    );
    return rows;
  } finally {
    await client.end();
  }
}

describe('signing keys', () => {
  let server: TestAuthServer;

  beforeAll(async () => {
    server = await startAuthServer();
  });
  afterAll(() => server.close());

  describe('rotation', () => {
    it('publishes old and new key, keeps old tokens valid and signs new tokens with the new key', async () => {
      const tokenA = await issueToken(server);
      const oldKid = kidOf(tokenA);
      expect(oldKid).toEqual(expect.any(String));
      expect((await fetchJwks(server)).keys.map((key) => key.kid)).toEqual([oldKid]);

      const rotation = await server.app.get(SigningKeysService).rotate({ activationDelaySeconds: 0 });
      expect(rotation.kid).not.toBe(oldKid);
      expect(rotation.retired.map((key) => key.kid)).toEqual([oldKid]);

      const jwks = await fetchJwks(server);
      expect(jwks.keys.map((key) => key.kid).sort()).toEqual([oldKid, rotation.kid].sort());
      for (const key of jwks.keys) {
        expect(key).toMatchObject({ kty: 'EC', crv: 'P-256', use: 'sig', alg: 'ES256', kid: expect.any(String) });
        for (const member of PRIVATE_MEMBERS) expect(key).not.toHaveProperty(member);
      }

      const { protectedHeader: headerA, payload: payloadA } = await verifyWith(jwks, server, tokenA);
      expect(headerA.kid).toBe(oldKid);
      expect(payloadA.client_id).toBe('order-service');

      const tokenB = await issueToken(server);
      expect(kidOf(tokenB)).toBe(rotation.kid);
      const { protectedHeader: headerB } = await verifyWith(jwks, server, tokenB);
      expect(headerB).toEqual({ alg: 'ES256', typ: 'at+jwt', kid: rotation.kid });
    });

    it('with an activation delay, publishes the new key at once but keeps signing with the current key', async () => {
      const keys = server.app.get(SigningKeysService);
      const currentKid = kidOf(await issueToken(server));

      const requestedAt = Date.now();
      const rotation = await keys.rotate({ activationDelaySeconds: 3600 });
      expect(rotation.kid).not.toBe(currentKid);
      expect(rotation.activatesAt.getTime() - requestedAt).toBeGreaterThanOrEqual(3_600_000);

      const jwks = await fetchJwks(server);
      const published = jwks.keys.map((key) => key.kid);
      expect(published).toContain(currentKid);
      expect(published).toContain(rotation.kid);

      const token = await issueToken(server);
      expect(kidOf(token)).toBe(currentKid);
      expect(kidOf(token)).not.toBe(rotation.kid);
      expect((await verifyWith(jwks, server, token)).protectedHeader.kid).toBe(currentKid);
    });
  });

  describe('storage', () => {
    it('stores private keys only encrypted (no PEM/DER, not importable) and decryptable with KEY_ENCRYPTION_KEY', async () => {
      const rows = await signingKeyRows(server);
      expect(rows.length).toBeGreaterThan(0);
      const wrongKey = new KeyEncryption('some-other-key-encryption-key-0123456789');
      const rightKey = new KeyEncryption(TEST_ENV.KEY_ENCRYPTION_KEY!);
      for (const row of rows) {
        const sealed = row.private_key_encrypted;
        expect(sealed).not.toMatch(/-----BEGIN|PRIVATE KEY|-----END/);
        expect(sealed).toMatch(/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/);
        const decodedParts = [sealed, ...sealed.split('.')].map((part) => Buffer.from(part, 'base64url'));
        for (const der of decodedParts) {
          // Algorithm OIDs (id-ecPublicKey, prime256v1, rsaEncryption) that every plaintext PKCS#8 key carries.
          for (const oid of ['2a8648ce3d0201', '2a8648ce3d030107', '2a864886f70d010101']) {
            expect(der.includes(Buffer.from(oid, 'hex'))).toBe(false);
          }
          expect(() => createPrivateKey({ key: der, format: 'der', type: 'pkcs8' })).toThrow();
          expect(() => createPrivateKey({ key: der, format: 'der', type: 'sec1' })).toThrow();
        }
        expect(() => createPrivateKey(sealed)).toThrow();
        expect(() => wrongKey.decrypt(sealed)).toThrow();

        // With the configured key it opens to the private half of the published public key.
        const privateKey = createPrivateKey({ key: rightKey.decrypt(sealed), format: 'der', type: 'pkcs8' });
        const publicJwk = createPublicKey(privateKey).export({ format: 'jwk' });
        expect(publicJwk).toEqual(expect.objectContaining({ x: row.public_jwk.x, y: row.public_jwk.y, crv: 'P-256' }));
      }
    });

    it('a replica on the same database serves the same JWKS and creates no key of its own', async () => {
      // A token signed by a key that is retired before the replica starts: the replica knows that
      // key from its public JWK only, and must still accept the token.
      const signedByRetiredKey = await issueToken(server);
      await server.app.get(SigningKeysService).rotate({ activationDelaySeconds: 0 });

      const before = await signingKeyRows(server);
      const primaryJwks = await fetchJwks(server);
      expect(primaryJwks.keys.map((key) => key.kid)).toContain(kidOf(signedByRetiredKey));
      // Replicas behind one load balancer share the database and the issuer.
      const replica = await startAuthServer({ databaseUrl: server.databaseUrl, env: { ISSUER: server.issuer } });
      try {
        expect((await signingKeyRows(server)).map((row) => row.kid)).toEqual(before.map((row) => row.kid));
        expect(await fetchJwks(replica)).toEqual(primaryJwks);
        expect(await fetchJwks(server)).toEqual(primaryJwks);

        // Both sign with the same current key, and each accepts the other's tokens.
        const fromReplica = await issueToken(replica);
        const fromPrimary = await issueToken(server);
        expect(kidOf(fromReplica)).toBe(kidOf(fromPrimary));
        expect(kidOf(fromReplica)).not.toBe(kidOf(signedByRetiredKey));
        const { payload } = await verifyWith(primaryJwks, server, fromReplica);
        expect(payload.iss).toBe(server.issuer);
        expect((await introspect(replica, signedByRetiredKey)).active).toBe(true);

        // A rotation made on the primary reaches the replica when it re-reads the key set.
        const rotation = await server.app.get(SigningKeysService).rotate({ activationDelaySeconds: 0 });
        await replica.app.get(SigningKeysService).reload();
        expect(await fetchJwks(replica)).toEqual(await fetchJwks(server));
        expect(kidOf(await issueToken(replica))).toBe(rotation.kid);
        expect((await introspect(replica, fromPrimary)).active).toBe(true);
        expect((await introspect(replica, signedByRetiredKey)).active).toBe(true);
      } finally {
        await replica.close();
      }
    });

    it('replicas starting together on an empty database agree on one first key', async () => {
      const database = await createTestDatabase();
      const issuer = 'http://auth.replicas.test';
      const replicas = await Promise.all(
        [1, 2, 3].map(() => startAuthServer({ databaseUrl: database.url, env: { ISSUER: issuer } })),
      );
      try {
        const rows = await signingKeyRows(replicas[0]!);
        expect(rows).toHaveLength(1);
        for (const replica of replicas) {
          expect((await fetchJwks(replica)).keys.map((key) => key.kid)).toEqual([rows[0]!.kid]);
          expect(kidOf(await issueToken(replica))).toBe(rows[0]!.kid);
        }
      } finally {
        for (const replica of replicas) await replica.close();
        await database.drop();
      }
    });
  });

  describe('RS256', () => {
    let rsa: TestAuthServer;

    beforeAll(async () => {
      rsa = await startAuthServer({ env: { SIGNING_ALG: 'RS256' } });
    });
    afterAll(() => rsa.close());

    it('issues RS256 tokens that verify with algorithms [RS256] against an RSA JWKS', async () => {
      const token = await issueToken(rsa);
      const jwks = await fetchJwks(rsa);
      expect(jwks.keys).toHaveLength(1);
      const [key] = jwks.keys;
      expect(key).toMatchObject({ kty: 'RSA', use: 'sig', alg: 'RS256', kid: kidOf(token), n: expect.any(String), e: 'AQAB' });
      for (const member of PRIVATE_MEMBERS) expect(key).not.toHaveProperty(member);

      const { protectedHeader, payload } = await verifyWith(jwks, rsa, token, ['RS256']);
      expect(protectedHeader).toEqual({ alg: 'RS256', typ: 'at+jwt', kid: key!.kid });
      expect(payload).toMatchObject({ iss: rsa.issuer, aud: 'api://user-service', client_id: 'order-service', scope: 'users:read' });
      await expect(verifyWith(jwks, rsa, token, ['ES256'])).rejects.toThrow();
    });
  });
});
