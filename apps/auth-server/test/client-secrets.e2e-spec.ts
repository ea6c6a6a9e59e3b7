import { createHash, createHmac } from 'node:crypto';
import { Client } from 'pg';
import { ClientRegistry } from '../src/clients/client-registry';
import { ClientRegistrationError } from '../src/clients/client-registration.policy';
import { IssuedSecret } from '../src/clients/client-secrets.service';
import { requestToken, startAuthServer, TEST_DEMO_SECRET, TEST_ENV, TestAuthServer, TEST_ACTOR } from './support/auth-server.harness';

type Credentials = { clientId: string; secret: string };

const BASE64URL_256_BITS = /^[A-Za-z0-9_-]{43,}$/;

describe('client secrets: rotation with overlap, revocation, expiry, storage at rest', () => {
  let server: TestAuthServer;
  let db: Client;

  beforeAll(async () => {
    server = await startAuthServer();
    db = new Client({ connectionString: server.databaseUrl });
    await db.connect();
  });
  afterAll(async () => {
    await db?.end();
    await server?.close();
  });

  const createClient = async (clientId: string): Promise<IssuedSecret> => {
    const { secret } = await server.clients.create({ clientId, grants: [{ resource: 'api://user-service', scopes: ['users:read'] }] }, TEST_ACTOR);
    if (!secret) throw new Error('expected a generated secret');
    return secret;
  };

  const credentials = (issued: IssuedSecret): Credentials => ({ clientId: issued.clientId, secret: issued.secret });

  const expectAccepted = async (creds: Credentials) => {
    const { status, body } = await requestToken(server, creds);
    expect(status).toBe(200);
    expect(body).toEqual(expect.objectContaining({ access_token: expect.any(String), token_type: 'Bearer' }));
  };

  const expectRejected = async (creds: Credentials) => {
    const { status, headers, body } = await requestToken(server, creds);
    expect(status).toBe(401);
    expect(body.error).toBe('invalid_client');
    expect(body).not.toHaveProperty('access_token');
    expect(headers.get('www-authenticate')).toMatch(/^Basic /);
  };

  const storedSecrets = async (clientId: string) =>
    (
      await db.query<{ id: string; secret_hash: Buffer; expires_at: Date | null; revoked_at: Date | null }>(
        'SELECT id, secret_hash, expires_at, revoked_at FROM auth.client_secrets WHERE client_id = $1 ORDER BY created_at',
        [clientId],
      )
    ).rows;

  describe('rotation with overlap', () => {
    let first: IssuedSecret;
    let second: IssuedSecret;

    beforeAll(async () => {
      first = await createClient('rotating');
    });

    it('a new client works with its generated secret', async () => {
      await expectAccepted(credentials(first));
    });

    it('rotateSecret adds a second, different secret: both old and new get tokens', async () => {
      second = await server.clientSecrets.rotate('rotating', {}, TEST_ACTOR);
      expect(second.clientId).toBe('rotating');
      expect(second.secret).not.toBe(first.secret);
      expect(second.secretId).not.toBe(first.secretId);
      expect(second.expiresAt).toBeNull();
      await expectAccepted(credentials(first));
      await expectAccepted(credentials(second));
      await expectRejected({ clientId: 'rotating', secret: 'not-a-secret-of-this-client' });
    });

    it('a third rotation while two secrets are active is refused, and stores nothing', async () => {
      await expect(server.clientSecrets.rotate('rotating', {}, TEST_ACTOR)).rejects.toThrow(ClientRegistrationError);
      await expect(server.clientSecrets.rotate('rotating', {}, TEST_ACTOR)).rejects.toThrow(/revoke one first/);
      expect(await storedSecrets('rotating')).toHaveLength(2);
    });

    it('revokeSecret stops the old secret at once; the new one keeps working', async () => {
      await server.clientSecrets.revoke('rotating', first.secretId, TEST_ACTOR);
      await expectRejected(credentials(first));
      await expectAccepted(credentials(second));
      const rows = await storedSecrets('rotating');
      expect(rows.find((row) => row.id === first.secretId)?.revoked_at).toBeInstanceOf(Date);
      expect(rows.find((row) => row.id === second.secretId)?.revoked_at).toBeNull();
    });

    it('after a revocation, one more rotation is allowed again', async () => {
      const third = await server.clientSecrets.rotate('rotating', {}, TEST_ACTOR);
      await expectAccepted(credentials(third));
      await expectAccepted(credentials(second));
      await expectRejected(credentials(first));
      await expect(server.clientSecrets.rotate('rotating', {}, TEST_ACTOR)).rejects.toThrow(ClientRegistrationError);
    });

    it('a revoked secret cannot be revoked again, nor a secret through another client id', async () => {
      await expect(server.clientSecrets.revoke('rotating', first.secretId, TEST_ACTOR)).rejects.toThrow(ClientRegistrationError);
      const other = await createClient('other-client');
      await expect(server.clientSecrets.revoke('rotating', other.secretId, TEST_ACTOR)).rejects.toThrow(ClientRegistrationError);
      await expectAccepted(credentials(other));
    });

    it('rotating an unknown client is refused', async () => {
      await expect(server.clientSecrets.rotate('no-such-client', {}, TEST_ACTOR)).rejects.toThrow(ClientRegistrationError);
    });

    it('two concurrent rotations of a client with one active secret: exactly one wins', async () => {
      const issued = await createClient('racing');
      const results = await Promise.allSettled([server.clientSecrets.rotate('racing', {}, TEST_ACTOR), server.clientSecrets.rotate('racing', {}, TEST_ACTOR)]);
      const won = results.filter((result): result is PromiseFulfilledResult<IssuedSecret> => result.status === 'fulfilled');
      const lost = results.filter((result): result is PromiseRejectedResult => result.status === 'rejected');
      expect(won).toHaveLength(1);
      expect(lost).toHaveLength(1);
      expect(lost[0]!.reason).toBeInstanceOf(ClientRegistrationError);
      expect(await storedSecrets('racing')).toHaveLength(2);
      await expectAccepted(credentials(issued));
      await expectAccepted(credentials(won[0]!.value));
    });
  });

  describe('expiry', () => {
    it('a secret with expiresInSeconds works until then and stops working once expires_at has passed', async () => {
      const original = await createClient('expiring');
      const expiring = await server.clientSecrets.rotate('expiring', { expiresInSeconds: 3_600 }, TEST_ACTOR);
      expect(expiring.expiresAt).toBeInstanceOf(Date);
      expect(expiring.expiresAt!.getTime()).toBeGreaterThan(Date.now());
      const [row] = (
        await db.query<{ expires_at: Date }>('SELECT expires_at FROM auth.client_secrets WHERE id = $1', [expiring.secretId])
      ).rows;
      expect(row!.expires_at.getTime()).toBe(expiring.expiresAt!.getTime());
      await expectAccepted(credentials(expiring));

      // Let the hour pass: move expires_at into the past, then drop this replica's cached copy.
      await db.query(`UPDATE auth.client_secrets SET expires_at = now() - interval '1 minute' WHERE id = $1`, [expiring.secretId]);
      server.app.get(ClientRegistry).invalidate('expiring');

      await expectRejected(credentials(expiring));
      await expectAccepted(credentials(original));
    });

    it('an expired secret no longer counts towards the two active secrets', async () => {
      // "expiring" now has one active and one expired secret: a rotation is allowed.
      const next = await server.clientSecrets.rotate('expiring', {}, TEST_ACTOR);
      await expectAccepted(credentials(next));
      await expect(server.clientSecrets.rotate('expiring', {}, TEST_ACTOR)).rejects.toThrow(ClientRegistrationError);
    });

    it('an expired secret stops working without any cache invalidation when the cache is off', async () => {
      // A second replica on the same database that does not cache clients.
      const replica = await startAuthServer({ databaseUrl: server.databaseUrl, env: { CLIENT_CACHE_TTL_MS: '0' } });
      try {
        const original = await createClient('expiring-uncached');
        const expiring = await server.clientSecrets.rotate('expiring-uncached', { expiresInSeconds: 600 }, TEST_ACTOR);
        const onReplica = (creds: Credentials) => requestToken(replica, creds);
        expect((await onReplica(credentials(expiring))).status).toBe(200);
        await db.query(`UPDATE auth.client_secrets SET expires_at = now() - interval '1 second' WHERE id = $1`, [expiring.secretId]);
        const rejected = await onReplica(credentials(expiring));
        expect(rejected.status).toBe(401);
        expect(rejected.body.error).toBe('invalid_client');
        expect((await onReplica(credentials(original))).status).toBe(200);
      } finally {
        await replica.close();
      }
    });
  });

  describe('secrets at rest', () => {
    it('generated secrets are at least 43 base64url characters (256 bits)', async () => {
      const created = await createClient('entropy');
      const rotated = await server.clientSecrets.rotate('entropy', {}, TEST_ACTOR);
      for (const secret of [created.secret, rotated.secret]) {
        expect(secret).toMatch(BASE64URL_256_BITS);
        expect(Buffer.from(secret, 'base64url').length).toBeGreaterThanOrEqual(32);
      }
    });

    it('only a 32-byte keyed hash is stored, never the secret', async () => {
      const created = await createClient('at-rest');
      const rotated = await server.clientSecrets.rotate('at-rest', {}, TEST_ACTOR);
      const rows = await storedSecrets('at-rest');
      expect(rows.map((row) => row.id).sort()).toEqual([created.secretId, rotated.secretId].sort());

      for (const issued of [created, rotated]) {
        const row = rows.find((candidate) => candidate.id === issued.secretId)!;
        const stored = row.secret_hash;
        expect(Buffer.isBuffer(stored)).toBe(true);
        expect(stored).toHaveLength(32);
        expect(stored.equals(Buffer.from(issued.secret, 'utf8'))).toBe(false);
        expect(stored.includes(Buffer.from(issued.secret, 'utf8'))).toBe(false);
        expect(stored.includes(Buffer.from(issued.secret, 'base64url'))).toBe(false);
        for (const encoding of ['hex', 'base64', 'base64url', 'latin1'] as const) {
          expect(stored.toString(encoding)).not.toContain(issued.secret);
        }
        // Keyed with the pepper (HMAC-SHA-256), not a bare digest anyone could check offline.
        const keyed = createHmac('sha256', TEST_ENV.CLIENT_SECRET_PEPPER!).update(issued.secret, 'utf8').digest();
        expect(stored.equals(keyed)).toBe(true);
        expect(stored.equals(createHash('sha256').update(issued.secret).digest())).toBe(false);
      }
    });

    it('the demo client seeded from the environment also has only a 32-byte hash', async () => {
      const rows = await storedSecrets('order-service');
      expect(rows).toHaveLength(1);
      expect(rows[0]!.secret_hash).toHaveLength(32);
      expect(rows[0]!.secret_hash.includes(Buffer.from(TEST_DEMO_SECRET, 'utf8'))).toBe(false);
      const text = (
        await db.query<{ t: string }>(`SELECT secret_hash::text AS t FROM auth.client_secrets WHERE client_id = 'order-service'`)
      ).rows[0]!.t;
      expect(text).not.toContain(TEST_DEMO_SECRET);
    });
  });
});
