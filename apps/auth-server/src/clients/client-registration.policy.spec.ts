import { checkClientRegistration, checkGrant, ClientRegistrationError, federatedSubjectProblem, RegistrationToCheck } from './client-registration.policy';

describe('client registration policy (pure: no I/O)', () => {
  const confidential: RegistrationToCheck = { clientId: 'billing', authMethod: 'client_secret_basic', grantTypes: ['client_credentials'], redirectUris: [], ownedAudiences: [] };
  const rules = { production: false, jwksUri: { production: false, allowPrivateNetworks: false } };
  const refusal = (check: () => unknown) => {
    try {
      check();
    } catch (error) {
      expect(error).toBeInstanceOf(ClientRegistrationError);
      return (error as Error).message;
    }
    throw new Error('accepted');
  };

  it('accepts a plain confidential client and a public one with a loopback redirect', () => {
    expect(() => checkClientRegistration(confidential, rules)).not.toThrow();
    expect(() =>
      checkClientRegistration({ ...confidential, authMethod: 'none', grantTypes: ['authorization_code'], redirectUris: ['http://127.0.0.1/cb'] }, rules),
    ).not.toThrow();
  });

  it('names the field at fault, never a CLI flag', () => {
    const messages = [
      refusal(() => checkClientRegistration({ ...confidential, clientId: 'has space' }, rules)),
      refusal(() => checkClientRegistration({ ...confidential, grantTypes: ['authorization_code'] }, rules)),
      refusal(() => checkClientRegistration({ ...confidential, authMethod: 'private_key_jwt' }, rules)),
      refusal(() => checkClientRegistration({ ...confidential, authMethod: 'private_key_jwt', jwksUri: 'ftp://keys.example' }, rules)),
      refusal(() => checkClientRegistration({ ...confidential, authMethod: 'private_key_jwt', jwksUri: 'http://127.0.0.1/jwks' }, rules)),
      refusal(() => checkClientRegistration({ ...confidential, jwksUri: 'https://keys.example/jwks' }, rules)),
      refusal(() => checkClientRegistration({ ...confidential, authMethod: 'none', grantTypes: ['client_credentials'] }, rules)),
    ];
    expect(messages).toEqual([
      'client_id must be 1-128 characters of A-Z a-z 0-9 . _ ~ -',
      'redirect_uris: authorization_code clients need at least one redirect URI',
      'private_key_jwt needs exactly one of jwks or jwks_uri',
      'jwks_uri must be an http(s) URL',
      expect.stringMatching(/^jwks_uri must not point at a loopback, link-local or private address/),
      'jwks and jwks_uri only apply to private_key_jwt clients',
      'grant_types: a public client (token_endpoint_auth_method none) cannot use client_credentials',
    ]);
    for (const message of messages) expect(message).not.toMatch(/--/);
  });

  it('a stored client is re-checked without its jwks_uri being re-judged (rules.jwksUri absent)', () => {
    const stored = { ...confidential, authMethod: 'private_key_jwt' as const, jwksUri: 'http://127.0.0.1/jwks' };
    expect(() => checkClientRegistration(stored, { production: false })).not.toThrow();
  });

  it('a grant: scopes the resource defines, default scopes among them (all by default), no repeats', () => {
    const resource = { uri: 'api://orders', scopes: ['orders:read', 'orders:write'] };
    expect(checkGrant(resource, { scopes: ['orders:read', 'orders:read'] })).toEqual({ scopes: ['orders:read'], defaultScopes: ['orders:read'] });
    expect(checkGrant(resource, { scopes: ['orders:read', 'orders:write'], defaultScopes: [] })).toEqual({ scopes: ['orders:read', 'orders:write'], defaultScopes: [] });
    expect(refusal(() => checkGrant(resource, { scopes: [] }))).toBe('scopes: a grant at api://orders needs at least one scope');
    expect(refusal(() => checkGrant(resource, { scopes: ['users:read'] }))).toBe('scopes not defined by api://orders: users:read');
    expect(refusal(() => checkGrant(resource, { scopes: ['orders:read'], defaultScopes: ['orders:write'] }))).toBe('default_scopes must be among the granted scopes: orders:write');
  });

  it('federated_jwt: an issuer and a subject, no secret; the two fields belong to that method only (issue 30)', () => {
    const federated = { ...confidential, authMethod: 'federated_jwt' as const, federatedIssuer: 'https://k8s.example', federatedSubject: 'system:serviceaccount:platform:billing' };
    expect(() => checkClientRegistration(federated, rules)).not.toThrow();
    expect(refusal(() => checkClientRegistration({ ...federated, federatedIssuer: undefined }, rules))).toMatch(/^federated_jwt needs federated_issuer/);
    expect(refusal(() => checkClientRegistration({ ...federated, federatedSubject: 'two words' }, rules))).toMatch(/^federated_jwt needs federated_subject/);
    expect(refusal(() => checkClientRegistration({ ...federated, secret: 'x'.repeat(40) }, rules))).toBe('federated_jwt clients have no secret');
    expect(refusal(() => checkClientRegistration({ ...confidential, federatedSubject: 'system:serviceaccount:a:b' }, rules))).toMatch(/only apply to federated_jwt/);
  });

  it("federated_subject is what the issuer's kind can issue", () => {
    expect(federatedSubjectProblem('kubernetes', 'system:serviceaccount:platform:order-service')).toBeUndefined();
    expect(federatedSubjectProblem('kubernetes', 'spiffe://cluster.local/ns/platform/sa/order-service')).toMatch(/system:serviceaccount/);
    expect(federatedSubjectProblem('spiffe', 'spiffe://cluster.local/ns/platform/sa/order-service')).toBeUndefined();
    expect(federatedSubjectProblem('spiffe', 'spiffe://Cluster.local/x?y')).toMatch(/SPIFFE ID/);
    expect(federatedSubjectProblem('oidc', 'anything-the-issuer-says')).toBeUndefined();
  });
});
