import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { promisify } from 'node:util';
import { composeDefaultSecret, withComposeService } from '../../scripts/new-service/compose-file';
import { serviceNames } from '../../scripts/new-service/naming';

const run = promisify(execFile);
const root = join(__dirname, '..', '..');

/** docker-compose from PATH (Debian's package installs /usr/bin/docker-compose). */
function findDockerCompose(): string | undefined {
  const directories = [...(process.env.PATH ?? '').split(delimiter), '/usr/bin', '/usr/local/bin'];
  return directories.map((directory) => join(directory, 'docker-compose')).find((candidate) => existsSync(candidate));
}

const dockerCompose = findDockerCompose();
if (!dockerCompose) {
  // Visible in the run's output: this check did not happen here (.ci/run installs docker-compose).
  console.warn('docker-compose.spec: SKIPPED, no docker-compose binary on PATH (apt-get install docker-compose)');
}
const withDockerCompose = dockerCompose ? describe : describe.skip;

withDockerCompose('docker-compose.yml', () => {
  it('is valid (docker-compose config -q)', async () => {
    await expect(run(dockerCompose!, ['config', '-q'], { cwd: root })).resolves.toMatchObject({ stderr: '' });
  });

  it("probes each app's readiness, not mere liveness", async () => {
    const { stdout } = await run(dockerCompose!, ['config'], { cwd: root });
    for (const port of [3000, 3001, 3002]) expect(stdout).toContain(`http://127.0.0.1:${port}/health/ready`);
    expect(stdout).not.toContain('/health/live');
  });
});

// Issue 30: the secretless stack. Its own file (a profile cannot take variables away from services).
describe('docker-compose.workload-identity.yml (no client secret)', () => {
  const file = 'docker-compose.workload-identity.yml';
  const text = readFileSync(join(root, file), 'utf8');

  it('names no client secret (CLIENT_SECRET_PEPPER is the server\'s hashing key) and reads only COMPOSE_* variables', () => {
    expect(text.match(/^\s+[A-Z_]*CLIENT_SECRET(?!_PEPPER)[A-Z_]*:/gm) ?? []).toEqual([]);
    expect([...text.matchAll(/\$\{([A-Za-z0-9_]+)/g)].map((match) => match[1]).filter((name) => !name!.startsWith('COMPOSE_'))).toEqual([]);
  });

  (dockerCompose ? it : it.skip)('is valid, and each service mounts only its own token volume, read-only, where its assertion file is', async () => {
    const { stdout } = await run(dockerCompose!, ['-f', file, 'config'], { cwd: root });
    const { parse } = await import('yaml');
    type Volume = string | { source?: string; target: string; read_only?: boolean };
    const services = (parse(stdout) as { services: Record<string, { environment?: Record<string, string>; volumes?: Volume[] }> }).services;
    // docker-compose 1.x keeps the short form, 2.x expands it.
    const short = (volume: Volume) => (typeof volume === 'string' ? volume : `${volume.source}:${volume.target}${volume.read_only ? ':ro' : ''}`);
    for (const [service, volume] of [['order-service', 'order-service-token'], ['user-service', 'user-service-token']] as const) {
      const variable = `${service.toUpperCase().replace(/-/g, '_')}_CLIENT_ASSERTION_FILE`;
      const path = services[service]!.environment![variable]!;
      expect(path).toBe('/var/run/secrets/tokens/auth-server');
      expect(services[service]!.volumes!.map(short)).toEqual([`${volume}:/var/run/secrets/tokens:ro`]);
    }
    expect(services['auth-server']!.environment).toMatchObject({ DEMO_WORKLOAD_ISSUER: 'http://workload-issuer:8443' });
    for (const definition of Object.values(services)) {
      expect(Object.keys(definition.environment ?? {}).filter((name) => /CLIENT_SECRET/.test(name) && name !== 'CLIENT_SECRET_PEPPER')).toEqual([]);
    }
  });
});

/** docker-compose.yml (or the given text) in a folder of its own with a .env: `config` as compose resolves it there. */
async function resolvedIn(dotEnv: string, composeText = readFileSync(join(root, 'docker-compose.yml'), 'utf8')): Promise<{ code: number; stdout: string; stderr: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'compose-env-'));
  try {
    writeFileSync(join(dir, 'docker-compose.yml'), composeText);
    writeFileSync(join(dir, 'Dockerfile'), 'FROM scratch\n');
    writeFileSync(join(dir, '.env'), dotEnv);
    const { COMPOSE_PROJECT_NAME: _project, ...env } = process.env;
    // The caller's shell must not decide it either: no COMPOSE_* variable of ours from this process.
    for (const name of Object.keys(env)) if (/^COMPOSE_(?!PROJECT_NAME|FILE|PROFILES)/.test(name)) delete env[name];
    return await run(dockerCompose!, ['config'], { cwd: dir, env }).then(
      ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
      (error: { code?: number; stdout?: string; stderr?: string }) => ({ code: error.code ?? 1, stdout: error.stdout ?? '', stderr: error.stderr ?? '' }),
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('docker-compose.yml variables (its own source: COMPOSE_* only)', () => {
  it('interpolates only COMPOSE_* variables', () => {
    const text = readFileSync(join(root, 'docker-compose.yml'), 'utf8');
    const variables = [...text.matchAll(/\$\{([A-Za-z0-9_]+)/g)].map((match) => match[1]);
    expect(variables.length).toBeGreaterThan(10);
    expect(variables.filter((name) => !name!.startsWith('COMPOSE_'))).toEqual([]);
  });

  withDockerCompose('with a real compose', () => {
    // What a .env for `npm start` on shifted ports holds (issue 25: its ISSUER leaked into the containers).
    const npmStartDotEnv = [
      'ISSUER=http://localhost:3200',
      'AUTH_SERVER_PORT=3200',
      'ORDER_SERVICE_CLIENT_SECRET=from-the-npm-start-dotenv-order-secret-0000',
      'CLIENT_SECRET_PEPPER=from-the-npm-start-dotenv-pepper-000000000000',
      'POSTGRES_PASSWORD=from-the-npm-start-dotenv',
      'BILLING_SERVICE_CLIENT_SECRET=from-the-npm-start-dotenv-billing-secret-00',
      'AUTH_SERVER_HOST_PORT=3200',
      '',
    ].join('\n');

    it("a .env written for npm start changes nothing in the stack: compose's defaults apply", async () => {
      const resolved = await resolvedIn(npmStartDotEnv);
      expect(resolved.code).toBe(0);
      expect(resolved.stdout).not.toMatch(/from-the-npm-start-dotenv|3200/);
      expect(resolved.stdout).toContain('ISSUER: http://localhost:3000');
      expect(resolved.stdout).toContain('dev-client-secret-pepper-change-me-in-production');
    });

    it('COMPOSE_* lines in .env (or the shell) do reach it', async () => {
      const resolved = await resolvedIn('COMPOSE_ISSUER=http://localhost:4000\nCOMPOSE_AUTH_SERVER_HOST_PORT=4000\nCOMPOSE_CLIENT_SECRET_PEPPER=pepper-from-compose-variables-000000000000\n');
      expect(resolved.code).toBe(0);
      expect(resolved.stdout).toContain('ISSUER: http://localhost:4000');
      expect(resolved.stdout).toMatch(/published: (")?4000|4000:3000/);
      expect(resolved.stdout).toContain('pepper-from-compose-variables-000000000000');
    });

    it('stays valid with a service npm run new:service added, whose secret is its own COMPOSE_ variable', async () => {
      const names = serviceNames('billing-service');
      const text = withComposeService(readFileSync(join(root, 'docker-compose.yml'), 'utf8'), names, 3003);
      const resolved = await resolvedIn(npmStartDotEnv, text);
      expect({ code: resolved.code, stderr: resolved.stderr }).toEqual({ code: 0, stderr: '' });
      expect(resolved.stdout).toContain('dist/apps/billing-service/src/main.js');
      expect(resolved.stdout).toContain(`BILLING_SERVICE_CLIENT_SECRET: ${composeDefaultSecret(names)}`);
      expect(resolved.stdout).not.toContain('from-the-npm-start-dotenv');
      expect(resolved.stdout).toContain('service_completed_successfully');
    });
  });
});
