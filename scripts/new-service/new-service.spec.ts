import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { withEnvExampleBlock, withEnvVariable, writeEnvVariable } from './env-files';
import { assertNoPlatformCollision, nextFreePort, NewServiceError, serviceNames } from './naming';
import { withNestProject } from './nest-cli';
import { clientCommand, clientSecretOf, federatedIdentityOf, registerService, resourceCommand, shellCommand } from './registration';
import { appPorts, scaffoldService } from './scaffold';
import { rebaseImports, serviceFiles } from './templates';

describe('new:service naming', () => {
  it('derives every name from the one typed', () => {
    expect(serviceNames('billing-service')).toEqual({
      name: 'billing-service',
      base: 'billing',
      pascal: 'BillingService',
      camel: 'billingService',
      upper: 'BILLING_SERVICE',
      audience: 'api://billing-service',
      schema: 'billing_service',
      readScope: 'billing:read',
      writeScope: 'billing:write',
    });
    expect(serviceNames('invoice-archive')).toMatchObject({ base: 'invoice-archive', pascal: 'InvoiceArchive', upper: 'INVOICE_ARCHIVE', readScope: 'invoice-archive:read' });
    // Only a trailing "-service" is dropped for the base.
    expect(serviceNames('service-desk').base).toBe('service-desk');
    expect(serviceNames('service').base).toBe('service');
  });

  it.each(['', 'Billing', 'billing_service', '-billing', 'billing-', 'billing--service', '1billing', 'billing service', '../x', 'a'.repeat(41)])(
    'refuses %j with a message that says what a name may be',
    (name) => {
      expect(() => serviceNames(name)).toThrow(NewServiceError);
    },
  );

  it('explains a bad name', () => {
    expect(() => serviceNames('Billing_Service')).toThrow(
      '"Billing_Service" is not a service name: use lower-case letters, digits and single hyphens, starting with a letter (e.g. billing-service)',
    );
  });

  it('takes the port after every app default', () => {
    expect(nextFreePort([3000, 3002, 3001])).toBe(3003);
    expect(nextFreePort([])).toBe(3001);
    expect(() => nextFreePort([65535])).toThrow(NewServiceError);
  });
});

describe('new:service templates', () => {
  const n = serviceNames('billing-service');
  const files = serviceFiles(n, 3007);

  it('writes an app like the others, its boilerplate in the libs: app.json, tsconfig.app.json, main, bootstrap, module, config, controller, migrations, e2e test', () => {
    expect(Object.keys(files).sort()).toEqual(
      [
        'app.json',
        'tsconfig.app.json',
        'src/main.ts',
        'src/tracing.ts',
        'src/bootstrap.ts',
        'src/billing-service.module.ts',
        'src/config/billing-service.config.ts',
        'src/migrations/index.ts',
        'src/me/me.controller.ts',
        'test/billing-service.e2e-spec.ts',
      ]
        .map((file) => `apps/billing-service/${file}`)
        .sort(),
    );
    expect(JSON.parse(files['apps/billing-service/app.json']!)).toEqual({ port: 3007, describe: 'resource server, GET /billing/me calls user-service' });
    expect(files['apps/billing-service/tsconfig.app.json']).toBe(readFileSync(join(__dirname, '../../apps/order-service/tsconfig.app.json'), 'utf8'));
  });

  it('leaves no placeholder behind, in paths or contents', () => {
    for (const [path, content] of Object.entries(files)) {
      expect({ path, placeholders: `${path}\n${content}`.match(/__[A-Za-z]+__/g) }).toEqual({ path, placeholders: null });
    }
    expect(files['apps/billing-service/src/billing-service.module.ts']).toContain("migrations: BILLING_SERVICE_MIGRATIONS");
    expect(files['apps/billing-service/src/main.ts']).toContain("runService('billing-service', createBillingService, billingServiceConfig)");
  });

  it('starts tracing first, as every app does (the same src/tracing.ts as order-service, under its own name)', () => {
    expect(files['apps/billing-service/src/main.ts']!.split('\n')[0]).toBe("import './tracing';");
    const orderService = readFileSync(join(__dirname, '../../apps/order-service/src/tracing.ts'), 'utf8');
    expect(files['apps/billing-service/src/tracing.ts']).toBe(orderService.replace(/order-service/g, 'billing-service'));
  });

  it('the sample route is GET /billing/me for users with billing:read', () => {
    const controller = files['apps/billing-service/src/me/me.controller.ts']!;
    expect(controller).toContain("@Controller('billing')\n@UserOnly()");
    expect(controller).toContain("@Get('me')\n  @Scopes('billing:read')");
  });

  it("calls user-service as order-service does: the same libs, config and UserDirectory, with the service's own client", () => {
    const config = files['apps/billing-service/src/config/billing-service.config.ts']!;
    expect(config).toContain("registerAs(\n  'billingService',");
    expect(config).toContain("userServiceCallerConfig({ name: 'billing-service', defaultPort: 3007 })");
    const module = files['apps/billing-service/src/billing-service.module.ts']!;
    expect(module).toContain("ResourceServiceModule.forRoot({ config: billingServiceConfig, schema: 'billing_service'");
    expect(module).toContain('UserDirectoryModule.forRoot(billingServiceConfig)');
    const orderService = readFileSync(join(__dirname, '../../apps/order-service/src/user-service-client/user-service-client.module.ts'), 'utf8');
    expect(orderService).toContain('UserDirectoryModule.forRoot(');
  });

  it('imports the libs by their @app paths, and the tests\' support from where the app is', () => {
    expect(files['apps/billing-service/src/billing-service.module.ts']).toContain("from '@app/platform/service'");
    expect(files['apps/billing-service/src/billing-service.module.ts']).toContain("from '@app/user-directory'");
    const e2e = files['apps/billing-service/test/billing-service.e2e-spec.ts']!;
    expect(e2e).toContain("from '../../../test/support/platform.harness'");
    expect(e2e).toContain("from '../../auth-server/test/support/auth-server.harness'");
    expect(e2e).toContain("from '../src/bootstrap'");
  });

  it('rebases only the imports that leave the template folder', () => {
    const template = 'scripts/new-service/files/__name__/src/x/y.ts';
    const source = "import { a } from '../../../../../../libs/a';\nimport './tracing';\nimport { b } from '../b';\nexport * from '../../../../../../test/c';\n";
    expect(rebaseImports(source, template, 'apps/billing-service/src/x/y.ts')).toBe(
      "import { a } from '../../../../libs/a';\nimport './tracing';\nimport { b } from '../b';\nexport * from '../../../../test/c';\n",
    );
  });
});

describe('new:service in a checkout', () => {
  const root = join(__dirname, '../..');

  it('refuses an app that exists, before writing anything', () => {
    const nestCli = readFileSync(join(root, 'nest-cli.json'), 'utf8');
    expect(() => scaffoldService(root, serviceNames('order-service'))).toThrow('apps/order-service already exists: pick another name, or remove it first');
    expect(readFileSync(join(root, 'nest-cli.json'), 'utf8')).toBe(nestCli);
  });

  // Issue 24 item 11: these names took a platform variable or audience.
  it.each([
    ['metrics', /would read METRICS_PORT, which the platform already uses/],
    ['embedded-pg', /would read EMBEDDED_PG_PORT, which the platform already uses/],
    ['auth-server-admin', /would claim the audience api:\/\/auth-server-admin/],
    ['default', /would read DEFAULT_AUDIENCE, which the platform already uses/],
  ])('refuses %s, whose variables or audience are the platform\'s, before writing anything', (name, reason) => {
    const nestCli = readFileSync(join(root, 'nest-cli.json'), 'utf8');
    expect(() => scaffoldService(root, serviceNames(name))).toThrow(reason);
    expect(readFileSync(join(root, 'nest-cli.json'), 'utf8')).toBe(nestCli);
    expect(existsSync(join(root, 'apps', name))).toBe(false);
  });

  it('a name of its own passes, even with the block an earlier run added for it', () => {
    const billing = serviceNames('billing-service');
    const envExample = readFileSync(join(root, '.env.example'), 'utf8');
    expect(() => assertNoPlatformCollision(billing, envExample)).not.toThrow();
    expect(() => assertNoPlatformCollision(billing, withEnvExampleBlock(envExample, billing, 3003))).not.toThrow();
    // Another service's block is the platform's from then on.
    expect(() => assertNoPlatformCollision(serviceNames('billing'), withEnvExampleBlock(envExample, serviceNames('billing-service'), 3003))).not.toThrow();
    expect(() => assertNoPlatformCollision(serviceNames('reports'), `${envExample}\n# REPORTS_CLIENT_ID=x\n`)).toThrow(/REPORTS_CLIENT_ID/);
  });

  it("reads every app's default port", () => {
    expect(appPorts(root, {})).toEqual(expect.arrayContaining([3000, 3001, 3002]));
  });

  it('takes the next port after the configured ones too (the others moved to 3200–3202 in .env)', () => {
    const moved = { AUTH_SERVER_PORT: '3200', USER_SERVICE_PORT: '3201', ORDER_SERVICE_PORT: '3202' };
    expect(nextFreePort(appPorts(root, moved))).toBe(3203);
    expect(nextFreePort(appPorts(root, { ORDER_SERVICE_PORT: '' }))).toBe(3003);
  });
});

describe('new:service nest-cli.json', () => {
  const nestCli = JSON.parse(readFileSync(join(__dirname, '../../nest-cli.json'), 'utf8')) as Parameters<typeof withNestProject>[0];

  it('adds the project after the other applications, like theirs', () => {
    const updated = withNestProject(nestCli, 'billing-service');
    expect(Object.keys(updated.projects)).toEqual(['auth-server', 'user-service', 'order-service', 'billing-service', 'database', 'platform', 'user-directory']);
    const orderService = JSON.stringify(nestCli.projects['order-service']).replace(/order-service/g, 'billing-service');
    expect(JSON.stringify(updated.projects['billing-service'])).toBe(orderService);
    expect(() => withNestProject(updated, 'billing-service')).toThrow('nest-cli.json already has a project billing-service');
  });
});

describe('new:service env files', () => {
  const n = serviceNames('billing-service');

  it('.env.example gets the variables the service reads, commented with their defaults, once', () => {
    const once = withEnvExampleBlock('A=1\n', n, 3003);
    for (const line of ['# BILLING_SERVICE_PORT=3003', '# BILLING_SERVICE_AUDIENCE=api://billing-service', '# BILLING_SERVICE_CLIENT_ID=billing-service', '# BILLING_SERVICE_CLIENT_SECRET=']) {
      expect(once.split('\n')).toContain(line);
    }
    expect(once.startsWith('A=1\n\n# --- billing-service')).toBe(true);
    expect(withEnvExampleBlock(once, n, 3003)).toBe(once);
  });

  it('sets a variable: replaces its line, else appends one', () => {
    expect(withEnvVariable('', 'X_SECRET', 's1')).toBe('X_SECRET=s1\n');
    expect(withEnvVariable('A=1', 'X_SECRET', 's1')).toBe('A=1\nX_SECRET=s1\n');
    expect(withEnvVariable('A=1\nX_SECRET=old\nB=2\n', 'X_SECRET', 's$&1')).toBe('A=1\nX_SECRET=s$&1\nB=2\n');
    // A commented line is documentation, not a value: left as it is.
    expect(withEnvVariable('# X_SECRET=\n', 'X_SECRET', 's1')).toBe('# X_SECRET=\nX_SECRET=s1\n');
    expect(() => withEnvVariable('', 'X_SECRET', 'a\nB=evil')).toThrow('X_SECRET: a value must be one line');
  });

  it('creates .env readable by its owner only, and keeps the other lines of an existing one', () => {
    const dir = mkdtempSync(join(tmpdir(), 'env-file-'));
    try {
      const created = join(dir, 'new.env');
      writeEnvVariable(created, 'X_SECRET', 's1');
      expect(readFileSync(created, 'utf8')).toBe('X_SECRET=s1\n');
      expect(statSync(created).mode & 0o777).toBe(0o600);
      const existing = join(dir, 'old.env');
      writeFileSync(existing, 'LOG_LEVEL=debug\n');
      writeEnvVariable(existing, 'X_SECRET', 's2');
      expect(readFileSync(existing, 'utf8')).toBe('LOG_LEVEL=debug\nX_SECRET=s2\n');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  // Issue 24 item 10: an existing 0644 .env stayed 0644 with the secret in it, and a symlinked .env
  // was followed, writing the secret wherever it pointed.
  it('tightens an existing .env to 0600, and refuses a symbolic link without touching its target', () => {
    const dir = mkdtempSync(join(tmpdir(), 'env-file-'));
    try {
      const loose = join(dir, 'loose.env');
      writeFileSync(loose, 'LOG_LEVEL=debug\n', { mode: 0o644 });
      chmodSync(loose, 0o644);
      writeEnvVariable(loose, 'X_SECRET', 's1');
      expect(statSync(loose).mode & 0o777).toBe(0o600);
      expect(readFileSync(loose, 'utf8')).toBe('LOG_LEVEL=debug\nX_SECRET=s1\n');

      const target = join(dir, 'shared.txt');
      writeFileSync(target, 'public\n', { mode: 0o644 });
      const link = join(dir, 'link.env');
      symlinkSync(target, link);
      expect(() => writeEnvVariable(link, 'X_SECRET', 's2')).toThrow(`${link} is a symbolic link: not writing a secret through it`);
      expect(readFileSync(target, 'utf8')).toBe('public\n');
      expect(statSync(target).mode & 0o777).toBe(0o644);
      // A dangling link (to a file that would be created) is refused too.
      const dangling = join(dir, 'dangling.env');
      symlinkSync(join(dir, 'nowhere.env'), dangling);
      expect(() => writeEnvVariable(dangling, 'X_SECRET', 's3')).toThrow(/symbolic link/);
      expect(existsSync(join(dir, 'nowhere.env'))).toBe(false);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('new:service registration', () => {
  const n = serviceNames('billing-service');

  const clientCreated = JSON.stringify({ client_id: 'billing-service', client_secret: 'the-secret' });

  it('runs exactly the CLI commands of the contract: its resource, a look at user-service\'s, its client', async () => {
    const calls: string[][] = [];
    const { secret } = await registerService(n, async (args) => {
      calls.push(args);
      return { code: 0, stdout: args[0] === 'clients' ? clientCreated : '{}' };
    });
    expect(calls).toEqual([
      ['resources', 'create', '--uri', 'api://billing-service', '--scopes', 'billing:read billing:write', '--json'],
      ['resources', 'show', 'api://user-service', '--json'],
      ['clients', 'create', '--id', 'billing-service', '--grant', 'api://user-service=users:read,users:provision', '--owns-audience', 'api://billing-service', '--json'],
    ]);
    expect(secret).toBe('the-secret');
  });

  it("before the auth-server's first start (user-service's API not registered yet) it registers that API as the demo seed does", async () => {
    const calls: string[][] = [];
    await registerService(n, async (args) => {
      calls.push(args);
      if (args[0] === 'resources' && args[1] === 'show') return { code: 1, stdout: '' };
      return { code: 0, stdout: args[0] === 'clients' ? clientCreated : '{}' };
    });
    expect(calls[2]).toEqual(['resources', 'create', '--uri', 'api://user-service', '--scopes', 'users:read users:provision', '--name', 'User service (demo)', '--json']);
    expect(calls[3]![0]).toBe('clients');
  });

  it('a failed command stops it, and says what to run once fixed', async () => {
    const failing = registerService(n, async () => ({ code: 1, stdout: '' }));
    await expect(failing).rejects.toThrow(NewServiceError);
    await expect(failing).rejects.toThrow(`${shellCommand(resourceCommand(n))}\n  ${shellCommand(clientCommand(n))}`);
    expect(shellCommand(resourceCommand(n))).toBe('npm run -s cli -- resources create --uri api://billing-service --scopes "billing:read billing:write" --json');
  });

  it('--federated-issuer/--federated-subject: a federated_jwt client bound to that issuer and sub, and no secret', async () => {
    const federated = federatedIdentityOf('https://kubernetes.default.svc.cluster.local', 'system:serviceaccount:platform:billing-service');
    const calls: string[][] = [];
    const result = await registerService(
      n,
      async (args) => {
        calls.push(args);
        // A federated client's creation prints no secret: none is read.
        return { code: 0, stdout: args[0] === 'clients' ? JSON.stringify({ client_id: 'billing-service' }) : '{}' };
      },
      federated,
    );
    expect(result).toEqual({});
    expect(calls[2]).toEqual([
      'clients', 'create', '--id', 'billing-service',
      '--auth-method', 'federated_jwt',
      '--federated-issuer', 'https://kubernetes.default.svc.cluster.local',
      '--federated-subject', 'system:serviceaccount:platform:billing-service',
      '--grant', 'api://user-service=users:read,users:provision', '--owns-audience', 'api://billing-service', '--json',
    ]);
    expect(federatedIdentityOf(undefined, undefined)).toBeUndefined();
    expect(() => federatedIdentityOf('https://issuer', undefined)).toThrow('--federated-issuer and --federated-subject go together');
    expect(() => federatedIdentityOf('not a url', 'sub')).toThrow('--federated-issuer must be an absolute URL');
  });

  it('refuses an output without a secret', () => {
    expect(() => clientSecretOf('not json', n)).toThrow(NewServiceError);
    expect(() => clientSecretOf('{"client_id":"billing-service"}', n)).toThrow('clients create printed no client_secret');
  });
});
