import { AudienceChoiceInput, chooseAudience } from './audience-choice';

const client = {
  allowedAudiences: ['api://order-service', 'api://billing-service', 'api://unregistered'],
  allowedScopes: ['orders:read', 'orders:write', 'invoices:read', 'users:read'],
  defaultScopes: ['orders:read', 'invoices:read'],
};
const resourceScopes = new Map([
  ['api://order-service', ['orders:read', 'orders:write']],
  ['api://billing-service', ['invoices:read', 'invoices:write', 'orders:read']],
  ['api://not-the-clients', ['users:read']],
]);
const choose = (request: Partial<Pick<AudienceChoiceInput, 'resource' | 'requestedScopes'>>, overrides: Partial<AudienceChoiceInput> = {}) =>
  chooseAudience({ client, resourceScopes, resource: undefined, requestedScopes: undefined, ...request, ...overrides });

describe('chooseAudience', () => {
  describe('with a resource', () => {
    it('grants requested scopes the client is allowed and the resource defines', () => {
      expect(choose({ resource: 'api://billing-service', requestedScopes: ['invoices:read'] })).toEqual({ audience: 'api://billing-service', scopes: ['invoices:read'] });
      // A scope two resources define goes to the one named.
      expect(choose({ resource: 'api://billing-service', requestedScopes: ['orders:read'] })).toEqual({ audience: 'api://billing-service', scopes: ['orders:read'] });
    });

    it('without scope: the client default scopes that resource defines', () => {
      expect(choose({ resource: 'api://billing-service' })).toEqual({ audience: 'api://billing-service', scopes: ['orders:read', 'invoices:read'] });
      expect(choose({ resource: 'api://order-service' })).toEqual({ audience: 'api://order-service', scopes: ['orders:read'] });
    });

    it.each([
      ['relative', 'order-service'],
      ['with a fragment', 'api://order-service#x'],
      ['not among the client audiences', 'api://not-the-clients'],
      ['allowed but not a registered resource', 'api://unregistered'],
    ])('invalid_target when the resource is %s', (_, resource) => {
      expect(choose({ resource, requestedScopes: ['orders:read'] })).toMatchObject({ error: 'invalid_target' });
    });

    it('invalid_scope for a scope the resource does not define, even if the client is allowed it', () => {
      expect(choose({ resource: 'api://order-service', requestedScopes: ['orders:read', 'invoices:read'] })).toEqual({
        error: 'invalid_scope',
        description: 'scope not defined by api://order-service: invoices:read',
      });
    });

    it('invalid_scope for a scope the resource defines but the client is not allowed', () => {
      expect(choose({ resource: 'api://billing-service', requestedScopes: ['invoices:write'] })).toMatchObject({ error: 'invalid_scope' });
    });

    it('invalid_scope when no scope is requested and no default scope belongs to the resource', () => {
      expect(choose({ resource: 'api://order-service' }, { client: { ...client, defaultScopes: ['invoices:read'] } })).toMatchObject({ error: 'invalid_scope' });
    });
  });

  describe('without a resource', () => {
    it('picks the first of the client audiences whose resource defines every requested scope', () => {
      expect(choose({ requestedScopes: ['orders:read'] })).toEqual({ audience: 'api://order-service', scopes: ['orders:read'] });
      expect(choose({ requestedScopes: ['invoices:read'] })).toEqual({ audience: 'api://billing-service', scopes: ['invoices:read'] });
      expect(choose({ requestedScopes: ['orders:read', 'invoices:read'] })).toEqual({ audience: 'api://billing-service', scopes: ['orders:read', 'invoices:read'] });
    });

    it('invalid_scope when no single resource defines them all, or the client is not allowed one', () => {
      expect(choose({ requestedScopes: ['orders:write', 'invoices:read'] })).toMatchObject({ error: 'invalid_scope' });
      expect(choose({ requestedScopes: ['users:read'] })).toMatchObject({ error: 'invalid_scope' });
      expect(choose({ requestedScopes: ['admin'] })).toEqual({ error: 'invalid_scope', description: 'scope not allowed: admin' });
      expect(choose({ requestedScopes: [] })).toMatchObject({ error: 'invalid_scope' });
    });

    it('no scope requested: the client default scopes and its first audience (as before resources)', () => {
      expect(choose({})).toEqual({ audience: 'api://order-service', scopes: ['orders:read', 'invoices:read'] });
      expect(choose({}, { resourceScopes: new Map() })).toEqual({ audience: 'api://order-service', scopes: ['orders:read', 'invoices:read'] });
      expect(choose({}, { client: { ...client, defaultScopes: [] } })).toMatchObject({ error: 'invalid_scope' });
      expect(choose({}, { client: { ...client, allowedAudiences: [] } })).toMatchObject({ error: 'invalid_target' });
    });
  });
});
