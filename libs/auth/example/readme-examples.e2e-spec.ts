import { INestApplication, INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { registerClient, startAuthServer, TestAuthServer } from '../../../apps/auth-server/test/support/auth-server.harness';
import { BillingServiceModule, UsersClient } from './billing-service.example';

/** The lines between `// #region <name>` and `// #endregion`, their common indentation removed. */
function region(file: string, name: string): string {
  const text = readFileSync(join(__dirname, file), 'utf8');
  const match = new RegExp(`// #region ${name}\\n([\\s\\S]*?)\\n\\s*// #endregion`).exec(text);
  if (!match) throw new Error(`no region ${name} in ${file}`);
  const lines = match[1]!.split('\n');
  const indent = Math.min(...lines.filter((l) => l.trim()).map((l) => /^ */.exec(l)![0].length));
  return lines.map((l) => l.slice(indent)).join('\n');
}

/** The code blocks of a markdown file, each with its common indentation removed. */
function codeBlocks(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  return [...text.matchAll(/^( *)```ts\n([\s\S]*?)\n *```$/gm)].map(([, indent, body]) =>
    body!
      .split('\n')
      .map((l) => l.slice(indent!.length))
      .join('\n'),
  );
}

describe('README snippets are the code of a running example', () => {
  const readme = join(__dirname, '../../../README.md');

  it.each([
    ['user-service.example.ts', 'guarding-routes'],
    ['billing-service.example.ts', 'calling-another-service'],
  ])('README.md shows %s region %s verbatim', (file, name) => {
    expect(codeBlocks(readme)).toContainEqual(region(file, name));
  });

  describe('and they work', () => {
    let server: TestAuthServer;
    let users: INestApplication;
    let billing: INestApplicationContext;
    const saved = { ...process.env };

    beforeAll(async () => {
      server = await startAuthServer();
      const client = await registerClient(server, { clientId: 'billing-service', grants: [{ resource: 'api://user-service', scopes: ['users:read'] }] });
      // The snippet reads ISSUER when its module is declared: load it once that is set.
      process.env.ISSUER = server.issuer;
      // require, not import(): Jest's CommonJS runtime loads it; the type comes from the same file.
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const { UserServiceModule } = require('./user-service.example') as typeof import('./user-service.example.js');
      users = await NestFactory.create(UserServiceModule, { logger: false, abortOnError: false });
      await users.listen(0, '127.0.0.1');
      Object.assign(process.env, {
        ISSUER: server.issuer,
        BILLING_SERVICE_CLIENT_SECRET: client.secret,
        USER_SERVICE_URL: (await users.getUrl()).replace('[::1]', '127.0.0.1'),
        REDIS_URL: '',
      });
      billing = await NestFactory.createApplicationContext(BillingServiceModule, { logger: false, abortOnError: false });
    });

    afterAll(async () => {
      await billing?.close();
      await users?.close();
      await server?.close();
      process.env = saved;
    });

    it('billing-service gets its token and reads a user from the guarded user-service', async () => {
      const response = await billing.get(UsersClient).find('7f3c2a9e');
      expect(response.status).toBe(200);
      expect(response.body).toEqual({ id: '7f3c2a9e', readBy: 'billing-service' });
    });

    it('the guarded route refuses a call without a token (401) on this Express app', async () => {
      const response = await fetch(`${process.env.USER_SERVICE_URL}/users/1`);
      expect(response.status).toBe(401);
      expect(response.headers.get('www-authenticate')).toBe('Bearer');
    });
  });
});
