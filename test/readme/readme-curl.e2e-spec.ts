/**
 * README's curl walk-throughs, run exactly as written (bash, curl, openssl) against a real platform.
 * Only the addresses change (README says localhost:3000-3002; the test's apps are on free ports), and
 * the platform runs with `.env.example`'s development secrets and passwords, which README's commands use.
 */
import { DEMO_ORDERS, DEMO_USERS } from '@app/platform';
import { parse } from 'dotenv';
import { decodeJwt } from 'jose';
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { registerClient } from '../../apps/auth-server/test/support/auth-server.harness';
import { startPlatform, TestPlatform } from '../support/platform.harness';

const root = join(__dirname, '..', '..');
const readme = readFileSync(join(root, 'README.md'), 'utf8');
const envExample = parse(readFileSync(join(root, '.env.example')));

/** The one ```bash block of README that contains `marker`. */
function bashBlock(marker: string): string {
  const blocks = [...readme.matchAll(/^```bash\n([\s\S]*?)^```$/gm)].map(([, body]) => body!).filter((body) => body.includes(marker));
  if (blocks.length !== 1) throw new Error(`expected one bash block of README.md with ${JSON.stringify(marker)}, found ${blocks.length}`);
  return blocks[0]!;
}

function runBash(script: string): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    // -e and pipefail: a command of the walk-through that fails (grep finding nothing included) fails the test.
    execFile('bash', ['-e', '-o', 'pipefail', '-c', script], { cwd: root, timeout: 20_000 }, (error, stdout, stderr) => {
      resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

describe("README's curl walk-throughs", () => {
  let platform: TestPlatform;

  beforeAll(async () => {
    const secrets = {
      ORDER_SERVICE_CLIENT_SECRET: envExample.ORDER_SERVICE_CLIENT_SECRET!,
      REPORTING_SERVICE_CLIENT_SECRET: envExample.REPORTING_SERVICE_CLIENT_SECRET!,
      ALICE_PASSWORD: envExample.ALICE_PASSWORD!,
      BOB_PASSWORD: envExample.BOB_PASSWORD!,
    };
    platform = await startPlatform({ auth: { env: secrets }, env: { ORDER_SERVICE_CLIENT_SECRET: secrets.ORDER_SERVICE_CLIENT_SECRET } });
  });
  afterAll(async () => {
    await platform?.close();
  });

  /** README's addresses → the test platform's. */
  function onTestPlatform(script: string): string {
    return script
      .replaceAll('http://localhost:3000', platform.auth.url)
      .replaceAll('http://localhost:3001', platform.users.url)
      .replaceAll('http://localhost:3002', platform.orders.url);
  }

  it('"Get a token with the seeded demo client": the answer has the shape README shows', async () => {
    const script = bashBlock('# {"access_token"');
    const result = await runBash(onTestPlatform(script));
    expect(result).toMatchObject({ code: 0, stderr: '' });
    const shown = JSON.parse(/^# (\{.*\})$/m.exec(script)![1]!.replace('...', '')) as Record<string, unknown>;
    const body = JSON.parse(result.stdout) as Record<string, unknown>;
    expect(Object.keys(body).sort()).toEqual(Object.keys(shown).sort());
    expect(body).toMatchObject({ token_type: shown.token_type, expires_in: shown.expires_in, scope: shown.scope });
    expect(body.access_token).toMatch(new RegExp(`^${String(shown.access_token)}`));
  });

  it('"The same with curl": every step answers what its comment says', async () => {
    const result = await runBash(onTestPlatform(bashBlock("# 1. order-service's own token")));
    expect(result).toMatchObject({ code: 0, stderr: '' });
    const lines = result.stdout.trimEnd().split(/\r?\n/);
    // 2. user-service answers alice's profile to order-service's service token.
    expect(JSON.parse(lines[0]!)).toMatchObject({ id: DEMO_USERS.alice.id, username: 'alice' });
    // 3. the same token at order-service: 401 invalid_token (its audience is user-service).
    expect(lines[1]).toMatch(/^HTTP\/1\.1 401 /);
    expect(lines[2]).toMatch(/^www-authenticate: Bearer .*error="invalid_token"/i);
    // 4. reporting-service's token for order-service: 403 insufficient_scope (a service token on a users-only route).
    expect(lines[3]).toMatch(/^HTTP\/1\.1 403 /);
    expect(lines[4]).toMatch(/^www-authenticate: Bearer .*error="insufficient_scope"/i);
    // 5. no token: 401 with a bare Bearer challenge.
    expect(lines[5]).toMatch(/^HTTP\/1\.1 401 /);
    expect(lines[6]).toMatch(/^www-authenticate: Bearer realm="order-service"\s*$/i);
    expect(lines).toHaveLength(7);
  });

  it('"Admin API": the deployer client registers a client over HTTP with its admin token', async () => {
    // What README's `clients create --id deployer …` registers; its secret is the one the script reads.
    const { secret } = await registerClient(platform.auth, { clientId: 'deployer', grants: [{ resource: 'api://auth-server-admin', scopes: ['admin'] }] });
    const result = await runBash(`DEPLOYER_SECRET='${secret}'\n${onTestPlatform(bashBlock('/admin/clients'))}`);
    expect(result).toMatchObject({ code: 0, stderr: '' });
    expect(JSON.parse(result.stdout)).toMatchObject({ client_id: 'billing-service', client_secret: expect.any(String) });
  });

  it('a user token with curl alone: alice signs in (code + PKCE) and reads her orders', async () => {
    const script = bashBlock('code_verifier');
    // The script as written, plus a look at the token it got (not part of README: it prints no token).
    const result = await runBash(`${onTestPlatform(script)}\nprintf '%s\\n' "$USER_TOKEN" >&2`);
    expect(result.code).toBe(0);
    const claims = decodeJwt(result.stderr.trim());
    expect(claims).toMatchObject({ sub: DEMO_USERS.alice.id, client_id: 'demo-app', aud: 'api://order-service', scope: 'orders:read' });
    const body = JSON.parse(result.stdout) as { owner: { id: string }; orders: { id: string }[] };
    expect(body.owner.id).toBe(DEMO_USERS.alice.id);
    const aliceOrders = DEMO_ORDERS.filter((order) => order.userId === DEMO_USERS.alice.id).map((order) => order.id);
    expect(body.orders.map((order) => order.id).sort()).toEqual(aliceOrders.sort());
  });
});
