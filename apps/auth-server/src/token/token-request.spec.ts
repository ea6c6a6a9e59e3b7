import { InvalidRequest, InvalidScope, InvalidTarget } from '@nest-oauth-m2m/auth';
import type { FastifyRequest } from 'fastify';
import { ClientEntity } from '../clients/client.entity';
import { FormParams } from '../http/form-params';
import { grantedAudience, grantedScopes } from './token-request';

function client(overrides: Partial<ClientEntity> = {}): ClientEntity {
  return Object.assign(new ClientEntity(), {
    clientId: 'test-client',
    name: 'Test client',
    allowedScopes: ['users:read', 'users:write', 'orders:read'],
    defaultScopes: ['users:read'],
    allowedAudiences: ['api://user-service', 'https://orders.example/api'],
    grantTypes: ['client_credentials'],
    authMethod: 'client_secret_basic',
    jwks: null,
    jwksUri: null,
    enabled: true,
    createdAt: new Date(0),
    updatedAt: new Date(0),
    ...overrides,
  });
}

function form(body: Record<string, unknown>): FormParams {
  const request = { headers: { 'content-type': 'application/x-www-form-urlencoded' }, body };
  return FormParams.of(request as unknown as FastifyRequest);
}

describe('grantedScopes', () => {
  it('an omitted scope grants the default scopes, not every allowed one', () => {
    expect(grantedScopes(client(), undefined)).toEqual(['users:read']);
  });

  it('an omitted scope with no default scopes is invalid_scope', () => {
    expect(() => grantedScopes(client({ defaultScopes: [] }), undefined)).toThrow(InvalidScope);
  });

  it('grants exactly the requested allowed scopes, in request order', () => {
    expect(grantedScopes(client(), 'orders:read users:write')).toEqual(['orders:read', 'users:write']);
    expect(grantedScopes(client(), 'users:write')).toEqual(['users:write']);
  });

  it('drops duplicates and extra spaces', () => {
    expect(grantedScopes(client(), 'users:read  users:read orders:read ')).toEqual(['users:read', 'orders:read']);
  });

  it('refuses the whole request if one scope is not allowed, naming it', () => {
    expect(() => grantedScopes(client(), 'users:read admin')).toThrow(InvalidScope);
    expect(() => grantedScopes(client(), 'users:read admin')).toThrow(/admin/);
    try {
      grantedScopes(client(), 'admin root users:read');
      throw new Error('expected invalid_scope');
    } catch (error) {
      expect(error).toBeInstanceOf(InvalidScope);
      expect((error as InvalidScope).error).toBe('invalid_scope');
      expect((error as InvalidScope).status).toBe(400);
      expect((error as InvalidScope).description).toContain('admin root');
      expect((error as InvalidScope).description).not.toContain('users:read');
    }
  });

  it('a scope made only of spaces is invalid_scope', () => {
    expect(() => grantedScopes(client(), '   ')).toThrow(InvalidScope);
    expect(() => grantedScopes(client(), '')).toThrow(InvalidScope);
  });

  it('scope tokens are matched exactly: no prefix, case or separator tricks', () => {
    expect(() => grantedScopes(client(), 'users')).toThrow(InvalidScope);
    expect(() => grantedScopes(client(), 'USERS:READ')).toThrow(InvalidScope);
    expect(() => grantedScopes(client(), 'users:read,orders:read')).toThrow(InvalidScope);
    expect(() => grantedScopes(client(), 'users:read\torders:read')).toThrow(InvalidScope);
    expect(() => grantedScopes(client(), 'constructor')).toThrow(InvalidScope);
  });

  it('a client with no allowed scopes gets none', () => {
    expect(() => grantedScopes(client({ allowedScopes: [], defaultScopes: [] }), 'users:read')).toThrow(InvalidScope);
  });
});

describe('grantedAudience', () => {
  it('defaults to the first allowed audience', () => {
    expect(grantedAudience(client(), form({ grant_type: 'client_credentials' }))).toBe('api://user-service');
  });

  it('an empty resource or audience counts as absent', () => {
    expect(grantedAudience(client(), form({ resource: '', audience: '' }))).toBe('api://user-service');
  });

  it('a client with no audience and none requested: invalid_target', () => {
    expect(() => grantedAudience(client({ allowedAudiences: [] }), form({}))).toThrow(InvalidTarget);
  });

  it('honours an allowed resource (RFC 8707)', () => {
    expect(grantedAudience(client(), form({ resource: 'https://orders.example/api' }))).toBe('https://orders.example/api');
    expect(grantedAudience(client(), form({ resource: 'api://user-service' }))).toBe('api://user-service');
  });

  it('honours an allowed audience', () => {
    expect(grantedAudience(client(), form({ audience: 'https://orders.example/api' }))).toBe('https://orders.example/api');
  });

  it('refuses an audience or resource the client may not have: invalid_target', () => {
    expect(() => grantedAudience(client(), form({ resource: 'https://evil.example' }))).toThrow(InvalidTarget);
    expect(() => grantedAudience(client(), form({ audience: 'api://other' }))).toThrow(InvalidTarget);
    // Near misses are misses.
    expect(() => grantedAudience(client(), form({ resource: 'https://orders.example/api/' }))).toThrow(InvalidTarget);
    expect(() => grantedAudience(client(), form({ audience: 'API://user-service' }))).toThrow(InvalidTarget);
  });

  it('a resource that is not an absolute URI, or has a fragment: invalid_target', () => {
    expect(() => grantedAudience(client(), form({ resource: 'relative/path' }))).toThrow(InvalidTarget);
    expect(() => grantedAudience(client(), form({ resource: '/api' }))).toThrow(InvalidTarget);
    expect(() => grantedAudience(client(), form({ resource: 'https://orders.example/api#frag' }))).toThrow(InvalidTarget);
    expect(() =>
      grantedAudience(client({ allowedAudiences: ['https://orders.example/api#frag'] }), form({ resource: 'https://orders.example/api#frag' })),
    ).toThrow(InvalidTarget);
  });

  it('both resource and audience: invalid_request, even when both are allowed and equal', () => {
    expect(() => grantedAudience(client(), form({ resource: 'api://user-service', audience: 'api://user-service' }))).toThrow(
      InvalidRequest,
    );
  });
});

describe('FormParams as the token request reads it', () => {
  it('refuses a repeated parameter', () => {
    expect(() => form({ audience: ['api://user-service', 'https://orders.example/api'] })).toThrow(InvalidRequest);
  });

  it('refuses a body that is not a form', () => {
    const request = { headers: { 'content-type': 'application/json' }, body: { audience: 'api://user-service' } };
    expect(() => FormParams.of(request as unknown as FastifyRequest)).toThrow(InvalidRequest);
  });
});
