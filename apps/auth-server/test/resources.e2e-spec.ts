import { AuditLog } from '../src/audit/audit-log';
import { RegistrationError } from '../src/audit/registration-error';
import { ResourcesService } from '../src/resources/resources.service';
import { startAuthServer, TestAuthServer } from './support/auth-server.harness';

const operator = { kind: 'cli', id: 'resources-test' } as const;

describe('resources (APIs) as registrations', () => {
  let server: TestAuthServer;
  let resources: ResourcesService;
  const audit: Record<string, unknown>[] = [];

  beforeAll(async () => {
    server = await startAuthServer();
    resources = server.app.get(ResourcesService);
    server.app.get(AuditLog).sendTo((line) => audit.push(line));
  });
  afterAll(async () => {
    await server?.close();
  });

  const refusal = async (work: Promise<unknown>) => {
    const error = await work.then(
      () => undefined,
      (caught: unknown) => caught,
    );
    expect(error).toBeInstanceOf(RegistrationError);
    return error as RegistrationError;
  };

  describe('ResourcesService', () => {
    it('create registers a resource, returns its summary and audits it once', async () => {
      audit.length = 0;
      const created = await resources.create({ uri: 'api://billing-service', name: 'Billing', scopes: ['invoices:read', 'invoices:write', 'invoices:read'] }, operator);
      expect(created).toEqual({
        uri: 'api://billing-service',
        name: 'Billing',
        scopes: ['invoices:read', 'invoices:write'],
        created_at: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
        updated_at: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
      });
      expect(await resources.show('api://billing-service')).toEqual(created);
      expect(audit).toEqual([
        expect.objectContaining({
          event: 'audit',
          action: 'resource.create',
          target: { type: 'resource', id: 'api://billing-service' },
          actor: operator,
          changes: { name: 'Billing', scopes: ['invoices:read', 'invoices:write'] },
        }),
      ]);
    });

    it('a resource without a name is named after its URI', async () => {
      const created = await resources.create({ uri: 'https://api.example.com/reports', scopes: [] }, operator);
      expect(created).toMatchObject({ uri: 'https://api.example.com/reports', name: 'https://api.example.com/reports', scopes: [] });
    });

    it('a duplicate URI is a conflict, and the first registration is left as it was', async () => {
      audit.length = 0;
      const error = await refusal(resources.create({ uri: 'api://billing-service', scopes: ['other'] }, operator));
      expect(error.reason).toBe('conflict');
      expect(error.message).toMatch(/already exists/);
      expect((await resources.show('api://billing-service')).scopes).toEqual(['invoices:read', 'invoices:write']);
      expect(audit).toEqual([]);
    });

    it('concurrent creators of one URI: one wins, the others get a conflict', async () => {
      const results = await Promise.allSettled(
        Array.from({ length: 5 }, () => resources.create({ uri: 'api://raced', scopes: ['raced:read'] }, operator)),
      );
      expect(results.filter((result) => result.status === 'fulfilled')).toHaveLength(1);
      for (const result of results.filter((r): r is PromiseRejectedResult => r.status === 'rejected')) {
        expect(result.reason).toBeInstanceOf(RegistrationError);
        expect((result.reason as RegistrationError).reason).toBe('conflict');
      }
    });

    it.each([
      ['a relative URI', 'billing-service'],
      ['a URI with a fragment', 'api://billing-service#v2'],
      ['a URI with a space', 'api://billing service'],
      ['an empty URI', ''],
      ['a NUL character', 'api://bill\0ing'],
    ])('refuses %s as the URI (invalid)', async (_, uri) => {
      const error = await refusal(resources.create({ uri, scopes: ['x'] }, operator));
      expect(error.reason).toBe('invalid');
      expect(error.message).toMatch(/absolute URI without a fragment/);
    });

    it.each([['has space'], ['quote"d'], ['back\\slash'], ['']])('refuses %j as a scope (RFC 6749 scope-token)', async (scope) => {
      const error = await refusal(resources.create({ uri: 'api://bad-scopes', scopes: ['ok', scope] }, operator));
      expect(error.reason).toBe('invalid');
      expect(error.message).toMatch(/not a valid scope token/);
      await expect(resources.show('api://bad-scopes')).rejects.toMatchObject({ reason: 'not_found' });
    });

    it('show of an unknown URI is not_found', async () => {
      const error = await refusal(resources.show('api://nowhere'));
      expect(error.reason).toBe('not_found');
      expect((await refusal(resources.show('api://no\0where'))).reason).toBe('not_found');
    });

    it('update replaces the scopes and/or the name, and audits exactly what changed', async () => {
      audit.length = 0;
      const before = await resources.show('api://billing-service');
      const updated = await resources.update('api://billing-service', { scopes: ['invoices:read', 'invoices:pay'] }, operator);
      expect(updated).toMatchObject({ uri: 'api://billing-service', name: 'Billing', scopes: ['invoices:read', 'invoices:pay'], created_at: before.created_at });
      const renamed = await resources.update('api://billing-service', { name: 'Billing API' }, operator);
      expect(renamed).toMatchObject({ name: 'Billing API', scopes: ['invoices:read', 'invoices:pay'] });
      expect(audit).toEqual([
        expect.objectContaining({ action: 'resource.update', target: { type: 'resource', id: 'api://billing-service' }, actor: operator, changes: { scopes: ['invoices:read', 'invoices:pay'] } }),
        expect.objectContaining({ action: 'resource.update', changes: { name: 'Billing API' } }),
      ]);
    });

    it('update refuses an unknown URI (not_found), an empty patch and bad scopes (invalid)', async () => {
      expect((await refusal(resources.update('api://nowhere', { scopes: ['a'] }, operator))).reason).toBe('not_found');
      expect((await refusal(resources.update('api://billing-service', {}, operator))).reason).toBe('invalid');
      expect((await refusal(resources.update('api://billing-service', { scopes: ['a b'] }, operator))).reason).toBe('invalid');
      expect((await refusal(resources.update('api://billing-service', { name: '  ' }, operator))).reason).toBe('invalid');
    });

    it('list is ordered by URI; scopesOf answers registered URIs only; knownScopes is the union', async () => {
      const listed = (await resources.list()).map((resource) => resource.uri);
      expect(listed).toEqual([...listed].sort());
      expect(listed).toEqual(expect.arrayContaining(['api://billing-service', 'api://raced', 'https://api.example.com/reports']));
      const scopes = await resources.scopesOf(['api://billing-service', 'api://nowhere', 'api://no\0where']);
      expect([...scopes.entries()]).toEqual([['api://billing-service', ['invoices:read', 'invoices:pay']]]);
      expect(await resources.knownScopes()).toEqual(expect.arrayContaining(['invoices:pay', 'invoices:read', 'raced:read']));
    });
  });
});
