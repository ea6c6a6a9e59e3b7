import { postgresOptions, runMigrationsUnderLock } from '@app/database';
import { createLocalJWKSet, decodeProtectedHeader, JSONWebKeySet, jwtVerify } from 'jose';
import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { createTestDatabase } from '../../../test/support/database';
import { AUTH_SERVER_MIGRATIONS } from '../src/migrations';
import { Logger } from '@nestjs/common';
import { Resources1796169600000 } from '../src/migrations/1796169600000-Resources';
import { ClientGrants1796342400000 } from '../src/migrations/1796342400000-ClientGrants';
import { TrustedIssuers1796515200000 } from '../src/migrations/1796515200000-TrustedIssuers';
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

/**
 * A database migrated up to, not including, `migration`, given `rows` (SQL run on it), then upgraded
 * to the latest schema; `check` reads the result.
 */
async function upgradeFrom(migration: (typeof AUTH_SERVER_MIGRATIONS)[number], rows: string[], check: (upgraded: DataSource) => Promise<void>): Promise<void> {
  const database = await createTestDatabase();
  const source = (migrations: typeof AUTH_SERVER_MIGRATIONS) =>
    new DataSource(postgresOptions({ url: database.url, logQueries: false, poolSize: 2 }, { schema: 'auth', migrations }));
  const old = await source(AUTH_SERVER_MIGRATIONS.slice(0, AUTH_SERVER_MIGRATIONS.indexOf(migration))).initialize();
  try {
    await runMigrationsUnderLock(old, 'auth:migrations');
    for (const sql of rows) await old.query(sql);
  } finally {
    await old.destroy();
  }
  const upgraded = await source(AUTH_SERVER_MIGRATIONS).initialize();
  try {
    await runMigrationsUnderLock(upgraded, 'auth:migrations');
    await check(upgraded);
  } finally {
    await upgraded.destroy();
    await database.drop();
  }
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
          expect.arrayContaining(['client_secrets', 'clients', 'migrations', 'resources', 'revoked_grants', 'revoked_tokens', 'signing_keys', 'used_client_assertions']),
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
  describe('Resources1796169600000 on a database with clients (upgrade keeps every client working)', () => {
    it('registers one resource per audience a client lists, with the allowed scopes of the clients allowed it', async () => {
      const clients = `
        INSERT INTO clients (client_id, name, allowed_scopes, allowed_audiences, owned_audiences, grant_types, token_endpoint_auth_method) VALUES
          ('app', 'app', '{orders:read,orders:write}', '{api://order-service}', '{}', '{authorization_code}', 'none'),
          ('reports', 'reports', '{orders:read,reports:read}', '{api://order-service,api://user-service}', '{}', '{client_credentials}', 'client_secret_basic'),
          ('caller', 'caller', '{users:read}', '{api://user-service}', '{}', '{client_credentials}', 'client_secret_basic'),
          ('owner', 'owner', '{}', '{api://user-service}', '{api://owned-only}', '{}', 'client_secret_basic')`;
      await upgradeFrom(Resources1796169600000, [clients], async (upgraded) => {
        const resources = await upgraded.query(`SELECT uri, name, scopes FROM resources ORDER BY uri`);
        expect(resources).toEqual([
          { uri: 'api://order-service', name: 'api://order-service', scopes: ['orders:read', 'orders:write', 'reports:read'] },
          { uri: 'api://owned-only', name: 'api://owned-only', scopes: [] },
          { uri: 'api://user-service', name: 'api://user-service', scopes: ['orders:read', 'reports:read', 'users:read'] },
        ]);
        // The audience chosen at login travels with codes and refresh tokens; rows from before have none.
        const columns = await upgraded.query(
          `SELECT table_name, is_nullable FROM information_schema.columns
            WHERE table_schema = 'auth' AND column_name = 'audience' ORDER BY table_name`,
        );
        expect(columns).toEqual([
          { table_name: 'authorization_codes', is_nullable: 'YES' },
          { table_name: 'refresh_tokens', is_nullable: 'YES' },
        ]);
      });
    });
  });
  describe('ClientGrants1796342400000 on a database with flat-list clients (issue 27)', () => {
    it('derives one grant per client and resource from the flat lists, and logs each scope/audience pair it drops', async () => {
      const resources = `
        INSERT INTO resources (uri, name, scopes) VALUES
          ('api://order-service', 'Orders', '{orders:read,orders:write}'),
          ('api://user-service', 'Users', '{users:read,users:provision}')`;
      const clients = `
        INSERT INTO clients (client_id, name, allowed_scopes, default_scopes, allowed_audiences, owned_audiences, grant_types, token_endpoint_auth_method) VALUES
          ('reports', 'reports', '{orders:read,users:read,reports:read}', '{orders:read,users:read}', '{api://order-service,api://user-service}', '{}', '{client_credentials}', 'client_secret_basic'),
          ('caller', 'caller', '{users:read}', '{users:read}', '{api://user-service}', '{}', '{client_credentials}', 'client_secret_basic'),
          ('legacy', 'legacy', '{things:read}', '{}', '{api://legacy}', '{}', '{client_credentials}', 'client_secret_basic'),
          ('stranded', 'stranded', '{orders:write}', '{orders:write}', '{api://user-service}', '{}', '{client_credentials}', 'client_secret_basic')`;
      const logged: string[] = [];
      const log = jest.spyOn(Logger.prototype, 'log').mockImplementation((message: unknown) => void logged.push(String(message)));
      try {
        await upgradeFrom(ClientGrants1796342400000, [resources, clients], async (upgraded) => {
          const grants = await upgraded.query(`SELECT client_id, resource_uri, scopes, default_scopes FROM client_grants ORDER BY client_id, resource_uri`);
          expect(grants).toEqual([
            { client_id: 'caller', resource_uri: 'api://user-service', scopes: ['users:read'], default_scopes: ['users:read'] },
            // An audience no resource registered becomes one (named by its URI), as the Resources migration did.
            { client_id: 'legacy', resource_uri: 'api://legacy', scopes: ['things:read'], default_scopes: [] },
            // Each scope goes to the API that defines it, its default status with it: no more orders:read on a user-service token.
            { client_id: 'reports', resource_uri: 'api://order-service', scopes: ['orders:read'], default_scopes: ['orders:read'] },
            { client_id: 'reports', resource_uri: 'api://user-service', scopes: ['users:read'], default_scopes: ['users:read'] },
            // stranded: its only scope is not defined by its only audience: no grant.
          ]);
          expect(logged).toEqual(
            expect.arrayContaining([
              'registered resource api://legacy: an audience of a client, not yet a resource',
              'client reports: dropped scope/audience pairs no resource defines: api://order-service users:read, api://order-service reports:read, api://user-service orders:read, api://user-service reports:read',
              'client stranded: dropped scope/audience pairs no resource defines: api://user-service orders:write',
            ]),
          );
          // A client that keeps every pair is not mentioned.
          expect(logged.filter((line) => line.includes('client caller') || line.includes('client legacy'))).toEqual([]);
          // Grants are the one place: the flat lists are gone.
          const flat = await upgraded.query(
            `SELECT column_name FROM information_schema.columns
              WHERE table_schema = 'auth' AND table_name = 'clients' AND column_name IN ('allowed_scopes', 'default_scopes', 'allowed_audiences')`,
          );
          expect(flat).toEqual([]);
        });
      } finally {
        log.mockRestore();
      }
    });
  });

  describe('TrustedIssuers1796515200000 (issue 30)', () => {
    it('keeps existing clients, takes federated_jwt clients bound to a trusted issuer, and reverts cleanly', async () => {
      const clients = `INSERT INTO clients (client_id, name, grant_types, token_endpoint_auth_method) VALUES ('legacy', 'legacy', '{client_credentials}', 'client_secret_basic')`;
      await upgradeFrom(TrustedIssuers1796515200000, [clients], async (upgraded) => {
        expect(await upgraded.query(`SELECT client_id, federated_issuer, federated_subject FROM clients`)).toEqual([{ client_id: 'legacy', federated_issuer: null, federated_subject: null }]);
        await upgraded.query(`INSERT INTO trusted_issuers (issuer, kind) VALUES ('https://k8s.example', 'kubernetes')`);
        await upgraded.query(
          `INSERT INTO clients (client_id, name, grant_types, token_endpoint_auth_method, federated_issuer, federated_subject)
           VALUES ('fed', 'fed', '{client_credentials}', 'federated_jwt', 'https://k8s.example', 'system:serviceaccount:a:b')`,
        );
        // Bound both ways: no federated client without its binding, no binding on another method, no unknown issuer.
        await expect(upgraded.query(`INSERT INTO clients (client_id, name, grant_types, token_endpoint_auth_method) VALUES ('x', 'x', '{}', 'federated_jwt')`)).rejects.toThrow(/clients_federated_binding_check/);
        await expect(
          upgraded.query(`INSERT INTO clients (client_id, name, grant_types, token_endpoint_auth_method, federated_issuer, federated_subject) VALUES ('y', 'y', '{}', 'federated_jwt', 'https://unknown', 's')`),
        ).rejects.toThrow(/foreign key/);
        await expect(upgraded.query(`DELETE FROM trusted_issuers`)).rejects.toThrow(/foreign key/);

        await upgraded.undoLastMigration();
        expect(await upgraded.query(`SELECT client_id FROM clients`)).toEqual([{ client_id: 'legacy' }]);
        expect(await upgraded.query(`SELECT to_regclass('auth.trusted_issuers') AS table`)).toEqual([{ table: null }]);
        await upgraded.runMigrations();
        expect(await upgraded.query(`SELECT count(*)::int AS n FROM trusted_issuers`)).toEqual([{ n: 0 }]);
      });
    });
  });
});
