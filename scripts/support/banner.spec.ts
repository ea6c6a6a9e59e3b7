import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { demoClientTokenCommand } from './banner';

describe("npm start's banner: a token command that works pasted into a fresh shell", () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'banner-'));
    writeFileSync(join(dir, '.env.example'), 'ORDER_SERVICE_CLIENT_SECRET=dev-order-service-secret-change-me\n');
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('spells out the documented development secret (public in .env.example anyway)', () => {
    const command = demoClientTokenCommand('http://localhost:3200', { ORDER_SERVICE_CLIENT_SECRET: 'dev-order-service-secret-change-me' }, join(dir, '.env.example'));
    expect(command).toBe(
      'curl -u order-service:dev-order-service-secret-change-me -d grant_type=client_credentials -d scope=users:read http://localhost:3200/oauth/token',
    );
  });

  it("reads the developer's own secret from .env instead of printing it, and that works in a shell", () => {
    const secret = 'a-secret-of-my-own-0123456789abcdef';
    writeFileSync(join(dir, '.env'), `OTHER=1\nORDER_SERVICE_CLIENT_SECRET=${secret}\n`);
    const command = demoClientTokenCommand('http://localhost:3200', { ORDER_SERVICE_CLIENT_SECRET: secret, ORDER_SERVICE_CLIENT_ID: 'orders' }, join(dir, '.env.example'));
    expect(command).not.toContain(secret);
    const credentials = /^curl -u ("[^"]+") /.exec(command)?.[1];
    expect(credentials).toBeDefined();
    // What the shell makes of the -u argument, in the repository folder where the banner says to paste it.
    expect(execFileSync('sh', ['-c', `printf %s ${credentials}`], { cwd: dir, encoding: 'utf8' })).toBe(`orders:${secret}`);
  });
});
