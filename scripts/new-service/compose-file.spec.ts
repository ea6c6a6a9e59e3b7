import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { composeDefaultSecret, withComposeService } from './compose-file';
import { NewServiceError, serviceNames } from './naming';

describe('new:service docker-compose.yml', () => {
  const n = serviceNames('billing-service');
  const original = readFileSync(join(__dirname, '../../docker-compose.yml'), 'utf8');
  const updated = withComposeService(original, n, 3003);
  const services = (parse(updated, { merge: true }) as { services: Record<string, Record<string, any>> }).services;

  it("keeps the file as it was (every comment and line) and adds the service's block after the last service", () => {
    expect(updated.startsWith(original.slice(0, original.indexOf('\nvolumes:')).trimEnd())).toBe(true);
    expect(updated.endsWith(original.slice(original.indexOf('\nvolumes:')))).toBe(true);
    expect(Object.keys(services).slice(-2)).toEqual(['billing-service-registration', 'billing-service']);
  });

  it('runs the service from the same image, on its port, with the resource servers\' settings and a readiness healthcheck', () => {
    const service = services['billing-service']!;
    expect(service).toMatchObject({
      image: services['order-service']!.image,
      read_only: true,
      command: ['node', 'dist/apps/billing-service/src/main.js'],
      ports: ['${COMPOSE_BILLING_SERVICE_HOST_PORT:-3003}:3003'],
      depends_on: {
        postgres: { condition: 'service_healthy' },
        'user-service': { condition: 'service_healthy' },
        'billing-service-registration': { condition: 'service_completed_successfully' },
      },
    });
    expect(service.environment).toMatchObject({
      NODE_ENV: 'development',
      BILLING_SERVICE_PORT: 3003,
      AUTH_SERVER_URL: 'http://auth-server:3000',
      USER_SERVICE_URL: 'http://user-service:3001',
      BILLING_SERVICE_CLIENT_SECRET: `\${COMPOSE_BILLING_SERVICE_CLIENT_SECRET:-${composeDefaultSecret(n)}}`,
    });
    expect(service.healthcheck.test.join(' ')).toContain('http://127.0.0.1:3003/health/ready');
  });

  it('registers it once per `up` with a one-shot that has the CLI\'s secrets and the same client secret', () => {
    const registration = services['billing-service-registration']!;
    expect(registration).toMatchObject({
      restart: 'no',
      command: ['node', 'dist/scripts/register-service.js', 'billing-service'],
      depends_on: { 'auth-server': { condition: 'service_healthy' } },
    });
    const auth = services['auth-server']!.environment;
    expect(registration.environment).toMatchObject({
      DATABASE_URL: auth.DATABASE_URL,
      KEY_ENCRYPTION_KEY: auth.KEY_ENCRYPTION_KEY,
      CLIENT_SECRET_PEPPER: auth.CLIENT_SECRET_PEPPER,
      BILLING_SERVICE_CLIENT_SECRET: services['billing-service']!.environment.BILLING_SERVICE_CLIENT_SECRET,
      // The CLI would otherwise want every demo secret, as the seeding auth-server does.
      SEED_DEMO_DATA: 'false',
    });
    expect(registration.ports).toBeUndefined();
    // A development placeholder long enough for `clients create --secret-stdin` (32+ characters), for any name.
    expect(composeDefaultSecret(serviceNames('b')).length).toBeGreaterThanOrEqual(32);
  });

  it('reads only COMPOSE_* variables, like the rest of the file', () => {
    const variables = [...updated.matchAll(/\$\{([A-Za-z0-9_]+)/g)].map((match) => match[1]);
    expect(variables.filter((name) => !name!.startsWith('COMPOSE_'))).toEqual([]);
  });

  it('refuses a service already there, and a compose file without the anchors the block uses', () => {
    expect(() => withComposeService(updated, n, 3004)).toThrow('docker-compose.yml already has a service billing-service: remove it first');
    expect(() => withComposeService(original.replace('&auth-server-secrets', '&secrets').replace(/\*auth-server-secrets/g, '*secrets'), n, 3003)).toThrow(
      'docker-compose.yml has no &auth-server-secrets anchor: add billing-service to it by hand',
    );
    expect(() => withComposeService('services: [', n, 3003)).toThrow(NewServiceError);
  });

  it('adds a second service after the first, and works on a file whose services come last, indented by four', () => {
    const twice = withComposeService(updated, serviceNames('invoice-archive'), 3004);
    expect(Object.keys((parse(twice, { merge: true }) as { services: object }).services).slice(-4)).toEqual([
      'billing-service-registration',
      'billing-service',
      'invoice-archive-registration',
      'invoice-archive',
    ]);
    const fourSpaces = 'x-app: &app\n    image: i\nx-app-env: &app-env\n    A: b\nx-auth-server-secrets: &auth-server-secrets\n    C: d\nservices:\n    one:\n        <<: *app';
    const added = withComposeService(fourSpaces, n, 3003);
    expect(added).toContain('\n    billing-service:\n        <<: *app\n        command:');
    expect(added.endsWith('\n')).toBe(true);
  });
});
