import { postgresOptions, runMigrationsUnderLock } from '@app/database';
import { createLocalJWKSet, decodeProtectedHeader, JSONWebKeySet, jwtVerify } from 'jose';
import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { createTestDatabase } from '../../../test/support/database';
import { AUTH_SERVER_MIGRATIONS } from '../src/migrations';
import { requestToken, startAuthServer, TEST_DEMO_SECRET, TestAuthServer } from './support/auth-server.harness';

const demo = { clientId: 'order-service', secret: TEST_DEMO_SECRET };
const MIGRATION_NAMES = AUTH_SERVER_MIGRATIONS.map((migration) => migration.name).sort();

async function query<T extends Record<string, unknown>>(url: string, sql: string): Promise<T[]> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<T>(sql)).rows;
  } finally {
    await client.end();
  }
}

async function expectMigrationsAppliedOnce(url: string): Promise<void> {
  const rows = await query<{ name: string; n: string }>(url, 'SELECT name, count(*) AS n FROM auth.migrations GROUP BY name ORDER BY name');
  expect(rows.map((row) => row.name)).toEqual(MIGRATION_NAMES);
  expect(rows.every((row) => Number(row.n) === 1)).toBe(true);
  const [total] = await query<{ n: string }>(url, 'SELECT count(*) AS n FROM auth.migrations');
  expect(Number(total!.n)).toBe(AUTH_SERVER_MIGRATIONS.length);
}

describe('migrations under an advisory lock (replicas starting together)', () => {
  describe('two auth-servers started at the same time on one fresh database', () => {
    let database: { url: string; drop(): Promise<void> };
    let servers: TestAuthServer[] = [];

    beforeAll(async () => {
      database = await createTestDatabase();
      servers = await Promise.all([startAuthServer({ databaseUrl: database.url }), startAuthServer({ databaseUrl: database.url })]);
    });
    afterAll(async () => {
      for (const server of servers) await server.close();
      await database?.drop();
    });

    it('both come up and both issue tokens for the demo client', async () => {
      expect(servers).toHaveLength(2);
      expect(servers[0]!.url).not.toBe(servers[1]!.url);
      for (const server of servers) {
        const { status, body } = await requestToken(server, demo, { scope: 'users:read' });
        expect(status).toBe(200);
        expect(body.token_type).toBe('Bearer');
      }
    });

    it('applied each migration exactly once', async () => {
      await expectMigrationsAppliedOnce(database.url);
    });

    it('created exactly one signing key, which both servers sign with and publish', async () => {
      const [keys] = await query<{ n: string }>(database.url, 'SELECT count(*) AS n FROM auth.signing_keys');
      expect(Number(keys!.n)).toBe(1);
      const [{ kid }] = (await query<{ kid: string }>(database.url, 'SELECT kid FROM auth.signing_keys')) as [{ kid: string }];

      const tokens = await Promise.all(servers.map(async (server) => String((await requestToken(server, demo)).body.access_token)));
      for (const token of tokens) expect(decodeProtectedHeader(token).kid).toBe(kid);

      // A token from either replica verifies against the other one's JWKS.
      for (const [index, server] of servers.entries()) {
        const jwks = (await (await fetch(`${server.url}/.well-known/jwks.json`)).json()) as JSONWebKeySet;
        expect(jwks.keys.map((key) => key.kid)).toEqual([kid]);
        const other = tokens[1 - index]!;
        const { payload } = await jwtVerify(other, createLocalJWKSet(jwks), { audience: 'api://user-service', algorithms: ['ES256'] });
        expect(payload.client_id).toBe('order-service');
      }
    });

    it('seeded exactly one demo client with exactly one secret', async () => {
      const [clients] = await query<{ n: string }>(database.url, `SELECT count(*) AS n FROM auth.clients WHERE client_id = 'order-service'`);
      expect(Number(clients!.n)).toBe(1);
      const [secrets] = await query<{ n: string }>(
        database.url,
        `SELECT count(*) AS n FROM auth.client_secrets WHERE client_id = 'order-service'`,
      );
      expect(Number(secrets!.n)).toBe(1);
    });

    it('a replica started later finds nothing to do', async () => {
      const late = await startAuthServer({ databaseUrl: database.url });
      try {
        expect((await requestToken(late, demo)).status).toBe(200);
      } finally {
        await late.close();
      }
      await expectMigrationsAppliedOnce(database.url);
      const [keys] = await query<{ n: string }>(database.url, 'SELECT count(*) AS n FROM auth.signing_keys');
      expect(Number(keys!.n)).toBe(1);
      // order-service, reporting-service, user-service and demo-app: each seeded once.
      const [clients] = await query<{ n: string }>(database.url, 'SELECT count(*) AS n FROM auth.clients');
      expect(Number(clients!.n)).toBe(4);
      const [users] = await query<{ n: string }>(database.url, 'SELECT count(*) AS n FROM auth.users');
      expect(Number(users!.n)).toBe(2);
    });
  });

  describe('runMigrationsUnderLock', () => {
    it('many data sources migrating one fresh database at once apply each migration exactly once', async () => {
      const database = await createTestDatabase();
      const sources = Array.from(
        { length: 6 },
        () =>
          new DataSource(
            postgresOptions({ url: database.url, logQueries: false, poolSize: 2 }, { schema: 'auth', migrations: AUTH_SERVER_MIGRATIONS }),
          ),
      );
      try {
        await Promise.all(sources.map((source) => source.initialize()));
        await Promise.all(sources.map((source) => runMigrationsUnderLock(source, 'auth:migrations')));
        await expectMigrationsAppliedOnce(database.url);
        const tables = await query<{ table_name: string }>(
          database.url,
          `SELECT table_name FROM information_schema.tables WHERE table_schema = 'auth' ORDER BY table_name`,
        );
        expect(tables.map((row) => row.table_name)).toEqual(
          expect.arrayContaining(['client_secrets', 'clients', 'migrations', 'revoked_grants', 'revoked_tokens', 'signing_keys', 'used_client_assertions']),
        );
        // The lock is released afterwards: another run takes it at once and finds nothing pending.
        await runMigrationsUnderLock(sources[0]!, 'auth:migrations');
        await expectMigrationsAppliedOnce(database.url);
      } finally {
        await Promise.all(sources.filter((source) => source.isInitialized).map((source) => source.destroy()));
        await database.drop();
      }
    });
  });
});
