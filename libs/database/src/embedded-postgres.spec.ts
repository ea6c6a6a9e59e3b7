import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { describeDatabaseUrl, startEmbeddedPostgres } from './embedded-postgres';

function listen(server: Server): Promise<number> {
  return new Promise((done) => server.listen(0, '127.0.0.1', () => done((server.address() as { port: number }).port)));
}


// The test run's own server (test/global-setup.js: an embedded cluster, or DATABASE_URL on this
// machine) stands in for "a PostgreSQL already listening on the embedded port".
describe('embedded PostgreSQL on a port something already listens on', () => {
  const folders: string[] = [];
  const folder = () => {
    const path = mkdtempSync(join(tmpdir(), 'embedded-pg-spec-'));
    folders.push(path);
    return path;
  };
  let port: number;
  let dataDir: string;

  beforeAll(async () => {
    const url = new URL(process.env.TEST_DATABASE_URL!);
    port = Number(url.port || 5432);
    const client = new Client({ connectionString: url.toString() });
    await client.connect();
    dataDir = (await client.query<{ data_directory: string }>('SHOW data_directory')).rows[0]!.data_directory;
    await client.end();
  });

  afterAll(() => {
    for (const path of folders) rmSync(path, { recursive: true, force: true });
  });

  it("reuses this checkout's own cluster (a sibling process started it)", async () => {
    const database = `reuse_${Date.now()}`;
    const again = await startEmbeddedPostgres({ dataDir, port, database, persistent: false });
    expect(again.url).toBe(`postgres://postgres:postgres@127.0.0.1:${port}/${database}`);
    await again.stop(); // a no-op: this call did not start it
    const admin = new Client({ connectionString: process.env.TEST_DATABASE_URL });
    await admin.connect();
    await admin.query(`DROP DATABASE IF EXISTS ${database}`).finally(() => admin.end());
  });

  it("refuses another checkout's cluster on that port, naming its data folder", async () => {
    await expect(startEmbeddedPostgres({ dataDir: folder(), port, database: 'platform', persistent: false })).rejects.toThrow(
      new RegExp(`port ${port} is taken by a PostgreSQL whose data is in .*EMBEDDED_PG_PORT`),
    );
  });

  it('names the port the cluster of that folder already runs on, when asked to start it on another', async () => {
    const other = createServer();
    const otherPort = await listen(other);
    await new Promise((done) => other.close(done));
    await expect(startEmbeddedPostgres({ dataDir, port: otherPort, database: 'platform', persistent: true })).rejects.toThrow(
      `already runs on port ${port} (pid `,
    );
  });

  it('refuses a listener that is not a PostgreSQL it can log in to', async () => {
    const impostor = createServer((socket) => socket.end());
    const impostorPort = await listen(impostor);
    try {
      await expect(startEmbeddedPostgres({ dataDir: folder(), port: impostorPort, database: 'platform', persistent: false })).rejects.toThrow(
        `port ${impostorPort} is taken by a server this checkout cannot log in to`,
      );
    } finally {
      impostor.close();
    }
  });
});

describe('describeDatabaseUrl', () => {
  it('hides the password', () => {
    expect(describeDatabaseUrl('postgres://app:s3cret@db:5432/platform')).toBe('postgres://app:***@db:5432/platform');
    expect(describeDatabaseUrl('not a url')).toBe('(an unparseable DATABASE_URL)');
  });

  // Issue 24 item 9: the CLI printed `database: postgres://…?password=postgres (DATABASE_URL)`.
  it('hides passwords given as query parameters too, in every spelling', () => {
    expect(describeDatabaseUrl('postgres://db:5432/platform?user=app&password=s3cret&sslmode=require')).toBe(
      'postgres://db:5432/platform?user=app&password=***&sslmode=require',
    );
    const described = describeDatabaseUrl('postgres://u:p1@db/x?PASSWORD=s2&sslpassword=s3&password=s4&sslkey=/k&auth_token=s5');
    expect(described).not.toMatch(/p1|s2|s3|s4|s5/);
    expect(described).toBe('postgres://u:***@db/x?PASSWORD=***&sslpassword=***&password=***&sslkey=***&auth_token=***');
  });
});
