import { InvalidRequest, InvalidScope, InvalidTarget } from '@nest-oauth-m2m/auth';
import type { FastifyRequest } from 'fastify';
import { ClientGrantEntity } from '../clients/client-grant.entity';
import { FormParams } from '../http/form-params';
import type { CatalogedResource, ResourceCatalog } from '../resources/resource-catalog';
import { GrantedAccess, GrantScopePolicy, LoginNoLongerGranted, LoginScopes, ScopeRequest } from './grant-scope.policy';

// Rewritten from token/token-request.spec.ts (grantedScopes, grantedAudience) and
// authorization/audience-choice.spec.ts (chooseAudience): the flat lists they pinned are gone; the
// same cases now go through per-resource grants and the scopes each resource defines.

function grant(resourceUri: string, scopes: string[], defaultScopes = scopes): ClientGrantEntity {
  return Object.assign(new ClientGrantEntity(), { clientId: 'test-client', resourceUri, scopes, defaultScopes });
}

function delegation(resourceUri: string, scopes: string[], defaultScopes = scopes): ClientGrantEntity {
  return Object.assign(grant(resourceUri, scopes, defaultScopes), { kind: 'delegation' });
}

/** Grants listed out of order on purpose: "the first API" is by resource URI, not by load order. */
const client = {
  grants: [
    grant('api://user-service', ['users:read', 'users:write'], ['users:read']),
    grant('api://billing-service', ['invoices:read', 'orders:read'], ['invoices:read']),
    grant('api://order-service', ['orders:read', 'orders:write'], ['orders:read']),
    grant('api://unregistered', ['things:read']),
  ],
};

const defined: Record<string, { name: string; scopes: string[] }> = {
  'api://user-service': { name: 'User service', scopes: ['users:read', 'users:write'] },
  'api://order-service': { name: 'Order service', scopes: ['orders:read', 'orders:write'] },
  'api://billing-service': { name: 'Billing', scopes: ['invoices:read', 'invoices:write', 'orders:read'] },
  'api://not-the-clients': { name: 'Other', scopes: ['other:read'] },
};

/** The catalog as the policy sees it: a snapshot of registered resources (ResourceCatalog reads it from PostgreSQL). */
function policyWith(resources = defined): GrantScopePolicy {
  const snapshot = new Map<string, CatalogedResource>(Object.entries(resources).map(([uri, r]) => [uri, { name: r.name, scopes: new Set(r.scopes) }]));
  return new GrantScopePolicy({ resources: () => snapshot } as unknown as ResourceCatalog);
}

const decide = (request: ScopeRequest, who: { grants: ClientGrantEntity[] } = client, resources = defined) => policyWith(resources).decide(who, request);
const refusal = async (decision: Promise<GrantedAccess>) => decision.then(
  () => { throw new Error('expected a refusal'); },
  (error: unknown) => error,
);

function form(body: Record<string, unknown>): FormParams {
  const request = { headers: { 'content-type': 'application/x-www-form-urlencoded' }, body };
  return FormParams.of(request as unknown as FastifyRequest);
}

describe('GrantScopePolicy.decide: scopes', () => {
  it('no scope: the default scopes at the chosen API, never more', async () => {
    expect(await decide({ resource: 'api://user-service' })).toEqual({ audience: 'api://user-service', audienceName: 'User service', scopes: ['users:read'] });
  });

  it('no scope and no default at the named API: invalid_scope', async () => {
    const noDefaults = { grants: [grant('api://user-service', ['users:read'], [])] };
    await expect(decide({ resource: 'api://user-service' }, noDefaults)).rejects.toThrow(InvalidScope);
  });

  it('grants the requested scopes the client is granted at that API', async () => {
    expect((await decide({ resource: 'api://user-service', scope: 'users:write users:read' })).scopes).toEqual(['users:write', 'users:read']);
  });

  it('drops duplicates and extra spaces', async () => {
    expect((await decide({ resource: 'api://user-service', scope: 'users:read  users:read users:write ' })).scopes).toEqual(['users:read', 'users:write']);
  });

  it('refuses the whole request if one scope is not granted there, naming it', async () => {
    const error = (await refusal(decide({ resource: 'api://user-service', scope: 'admin root users:read' }))) as InvalidScope;
    expect(error).toBeInstanceOf(InvalidScope);
    expect(error.error).toBe('invalid_scope');
    expect(error.status).toBe(400);
    expect(error.description).toContain('admin root');
    expect(error.description).not.toContain('users:read');
  });

  it('a scope granted at another API is not granted here: invalid_scope (issue 27: orders:read on a user-service token)', async () => {
    await expect(decide({ resource: 'api://user-service', scope: 'orders:read' })).rejects.toThrow(InvalidScope);
  });

  it('a granted scope the API no longer defines: invalid_scope', async () => {
    const withdrawn = { ...defined, 'api://user-service': { name: 'User service', scopes: ['users:read'] } };
    await expect(decide({ resource: 'api://user-service', scope: 'users:write' }, client, withdrawn)).rejects.toThrow('scope not defined by api://user-service: users:write');
    // Nor is a withdrawn default granted.
    const noneLeft = { ...defined, 'api://user-service': { name: 'User service', scopes: ['users:write'] } };
    await expect(decide({ resource: 'api://user-service' }, client, noneLeft)).rejects.toThrow(InvalidScope);
  });

  it('a scope made only of spaces is invalid_scope', async () => {
    await expect(decide({ resource: 'api://user-service', scope: '   ' })).rejects.toThrow(InvalidScope);
    await expect(decide({ resource: 'api://user-service', scope: '' })).rejects.toThrow(InvalidScope);
  });

  it('scope tokens are matched exactly: no prefix, case or separator tricks', async () => {
    for (const scope of ['users', 'USERS:READ', 'users:read,users:write', 'users:read\tusers:write', 'constructor', '__proto__']) {
      await expect(decide({ resource: 'api://user-service', scope })).rejects.toThrow(InvalidScope);
    }
  });

  it('a client granted nothing gets nothing', async () => {
    await expect(decide({ resource: 'api://user-service', scope: 'users:read' }, { grants: [] })).rejects.toThrow(InvalidTarget);
    await expect(decide({}, { grants: [] })).rejects.toThrow(InvalidTarget);
  });
});

describe('GrantScopePolicy.decide: audience', () => {
  it('honours a granted resource (RFC 8707) or audience', async () => {
    expect((await decide({ resource: 'api://order-service' })).audience).toBe('api://order-service');
    expect((await decide({ audience: 'api://order-service' })).audience).toBe('api://order-service');
  });

  it('a scope two APIs define goes to the one named', async () => {
    expect(await decide({ resource: 'api://billing-service', scope: 'orders:read' })).toMatchObject({ audience: 'api://billing-service', scopes: ['orders:read'] });
  });

  it.each([
    ['not granted to the client', 'api://not-the-clients'],
    ['granted but not a registered resource', 'api://unregistered'],
    ['unknown', 'https://evil.example'],
    ['a near miss (trailing slash)', 'api://user-service/'],
    ['a near miss (case)', 'API://user-service'],
  ])('invalid_target when the resource is %s', async (_, resource) => {
    await expect(decide({ resource, scope: 'users:read' })).rejects.toThrow(InvalidTarget);
    await expect(decide({ audience: resource })).rejects.toThrow(InvalidTarget);
  });

  it('a resource that is not an absolute URI, or has a fragment: invalid_target', async () => {
    for (const resource of ['relative/path', '/api', 'api://user-service#frag']) {
      await expect(decide({ resource })).rejects.toThrow(InvalidTarget);
      // The syntax is named before the scope is read, granted resources aside (their URIs were checked at registration).
      await expect(decide({ resource, scope: '' })).rejects.toThrow(/absolute URI without a fragment/);
    }
  });

  it('both resource and audience: invalid_request, even when both are granted and equal', async () => {
    await expect(decide({ resource: 'api://user-service', audience: 'api://user-service' })).rejects.toThrow(InvalidRequest);
  });

  describe('neither resource nor audience: the first API, by URI, where the request fits', () => {
    it('with scopes: the first granted API that grants and defines them all', async () => {
      expect((await decide({ scope: 'orders:read' })).audience).toBe('api://billing-service');
      expect((await decide({ scope: 'orders:write' })).audience).toBe('api://order-service');
      expect((await decide({ scope: 'users:read' })).audience).toBe('api://user-service');
    });

    it('scopes no single API fits: invalid_scope', async () => {
      await expect(decide({ scope: 'orders:write users:read' })).rejects.toThrow('no API granted to this client defines all of: orders:write users:read (name one with resource)');
      await expect(decide({ scope: 'admin users:read' })).rejects.toThrow('scope not granted to this client: admin');
      await expect(decide({ scope: 'things:read' })).rejects.toThrow(InvalidScope);
    });

    it('without scope: the default scopes of the first API only, never defaults spanning two APIs (issue 27)', async () => {
      expect(await decide({})).toEqual({ audience: 'api://billing-service', audienceName: 'Billing', scopes: ['invoices:read'] });
    });

    it('an API whose defaults it no longer defines is skipped', async () => {
      const withdrawn = { ...defined, 'api://billing-service': { name: 'Billing', scopes: ['orders:read'] } };
      expect(await decide({}, client, withdrawn)).toMatchObject({ audience: 'api://order-service', scopes: ['orders:read'] });
    });

    it('no API with a default scope: invalid_scope', async () => {
      await expect(decide({}, { grants: [grant('api://user-service', ['users:read'], [])] })).rejects.toThrow(InvalidScope);
    });
  });

  it('an empty resource or audience counts as absent (FormParams)', async () => {
    const params = form({ resource: '', audience: '' });
    expect((await decide({ resource: params.get('resource'), audience: params.get('audience') })).audience).toBe('api://billing-service');
  });
});

describe('GrantScopePolicy.continueLogin (code exchange, refresh)', () => {
  const login: LoginScopes = { audience: 'api://user-service', scopes: ['users:read', 'users:write'] };
  const continueLogin = (request: { resource?: string; scope?: string } = {}, resources = defined, who = client, what = login) =>
    policyWith(resources).continueLogin(who, what, request);

  it('keeps the audience and the scopes still granted and defined', async () => {
    expect(await continueLogin()).toEqual({ audience: 'api://user-service', audienceName: 'User service', scopes: ['users:read', 'users:write'] });
  });

  it('a scope the API withdrew is gone', async () => {
    const withdrawn = { ...defined, 'api://user-service': { name: 'User service', scopes: ['users:read'] } };
    expect((await continueLogin({}, withdrawn)).scopes).toEqual(['users:read']);
  });

  it('a scope withdrawn from the client is gone', async () => {
    const narrowed = { grants: [grant('api://user-service', ['users:write'])] };
    expect((await continueLogin({}, defined, narrowed)).scopes).toEqual(['users:write']);
  });

  it('nothing left: LoginNoLongerGranted (invalid_grant)', async () => {
    const noneDefined = { ...defined, 'api://user-service': { name: 'User service', scopes: ['users:provision'] } };
    const error = await refusal(continueLogin({}, noneDefined));
    expect(error).toBeInstanceOf(LoginNoLongerGranted);
    expect((error as LoginNoLongerGranted).error).toBe('invalid_grant');
    await expect(continueLogin({}, defined, { grants: [grant('api://order-service', ['orders:read'])] })).rejects.toThrow(LoginNoLongerGranted);
  });

  it('scope narrows; wider, empty or withdrawn is invalid_scope', async () => {
    expect((await continueLogin({ scope: 'users:write' })).scopes).toEqual(['users:write']);
    await expect(continueLogin({ scope: 'users:read orders:read' })).rejects.toThrow('scope may only narrow the original grant: orders:read');
    await expect(continueLogin({ scope: ' ' })).rejects.toThrow(InvalidScope);
    const withdrawn = { ...defined, 'api://user-service': { name: 'User service', scopes: ['users:read'] } };
    await expect(continueLogin({ scope: 'users:write' }, withdrawn)).rejects.toThrow('no longer granted to this client at api://user-service: users:write');
  });

  it('resource may only repeat the login audience', async () => {
    expect((await continueLogin({ resource: 'api://user-service' })).audience).toBe('api://user-service');
    await expect(continueLogin({ resource: 'api://order-service' })).rejects.toThrow(InvalidTarget);
  });

  it('a login from before resources (no audience): the first granted API that still has one of its scopes', async () => {
    const legacy: LoginScopes = { audience: null, scopes: ['orders:write'] };
    expect(await continueLogin({}, defined, client, legacy)).toMatchObject({ audience: 'api://order-service', scopes: ['orders:write'] });
    await expect(continueLogin({}, defined, client, { audience: null, scopes: ['nothing:here'] })).rejects.toThrow(LoginNoLongerGranted);
  });
});

describe('GrantScopePolicy.grantedAt', () => {
  it('the scopes granted at one API that it defines now', async () => {
    const withdrawn = { ...defined, 'api://user-service': { name: 'User service', scopes: ['users:read'] } };
    expect(await policyWith(withdrawn).grantedAt(client, 'api://user-service')).toEqual(['users:read']);
    expect(await policyWith().grantedAt(client, 'api://not-the-clients')).toEqual([]);
    expect(await policyWith().grantedAt(client, 'api://unregistered')).toEqual([]);
  });
});

describe('direct and delegation grants are kept apart', () => {
  /** A client that may act on behalf of users at user-service, and get orders:read there for itself. */
  const delegate = {
    grants: [
      delegation('api://user-service', ['users:read']),
      grant('api://order-service', ['orders:read']),
      delegation('api://order-service', ['orders:read', 'orders:write'], ['orders:read']),
    ],
  };

  it('decide, continueLogin and grantedAt see only direct grants', async () => {
    await expect(decide({ resource: 'api://user-service' }, delegate)).rejects.toThrow(InvalidTarget);
    await expect(decide({ scope: 'users:read' }, delegate)).rejects.toThrow(InvalidScope);
    expect(await decide({ scope: 'orders:read' }, delegate)).toMatchObject({ audience: 'api://order-service', scopes: ['orders:read'] });
    await expect(decide({ resource: 'api://order-service', scope: 'orders:write' }, delegate)).rejects.toThrow(InvalidScope);
    await expect(policyWith().continueLogin(delegate, { audience: 'api://user-service', scopes: ['users:read'] }, {})).rejects.toThrow(LoginNoLongerGranted);
    expect(await policyWith().grantedAt(delegate, 'api://user-service')).toEqual([]);
  });
});

describe('GrantScopePolicy.decideDelegation (token exchange, RFC 8693)', () => {
  const actor = {
    grants: [
      grant('api://user-service', ['users:read', 'users:write']),
      delegation('api://user-service', ['users:read']),
      delegation('api://order-service', ['orders:read', 'orders:write'], ['orders:read']),
      delegation('api://unregistered', ['things:read']),
    ],
  };
  /** alice's token for the acting service's own API, api://order-service. */
  const subject = { audience: 'api://order-service', scopes: ['orders:read'] };
  const exchange = (request: ScopeRequest, who: { grants: ClientGrantEntity[] } = actor, resources = defined) =>
    policyWith(resources).decideDelegation(who, subject, request);

  it('the requested scopes at the target the client may act at on behalf of users', async () => {
    expect(await exchange({ audience: 'api://user-service', scope: 'users:read' })).toEqual({ audience: 'api://user-service', audienceName: 'User service', scopes: ['users:read'] });
    expect(await exchange({ resource: 'api://user-service' })).toEqual({ audience: 'api://user-service', audienceName: 'User service', scopes: ['users:read'] });
  });

  it('a direct grant is not a delegation grant: the scopes granted only directly are refused', async () => {
    expect(await refusal(exchange({ audience: 'api://user-service', scope: 'users:write' }))).toEqual(
      new InvalidScope('scope not granted to this client on behalf of users at api://user-service: users:write'),
    );
    const directOnly = { grants: [grant('api://user-service', ['users:read'])] };
    await expect(exchange({ audience: 'api://user-service' }, directOnly)).rejects.toThrow(InvalidTarget);
  });

  it('invalid_target: no delegation grant there, or the API is not registered; a resource that is not an absolute URI', async () => {
    expect(await refusal(exchange({ audience: 'api://billing-service' }))).toEqual(new InvalidTarget('this client may not act on behalf of users at api://billing-service'));
    await expect(exchange({ audience: 'api://unregistered' })).rejects.toThrow(InvalidTarget);
    await expect(exchange({ resource: 'not a uri' })).rejects.toThrow(InvalidTarget);
  });

  it('invalid_request: no target, or both resource and audience', async () => {
    await expect(exchange({ scope: 'users:read' })).rejects.toThrow(new InvalidRequest('name the target API with resource or audience'));
    await expect(exchange({ resource: 'api://user-service', audience: 'api://user-service' })).rejects.toThrow(InvalidRequest);
  });

  it('invalid_scope: empty, or not defined by the target now', async () => {
    await expect(exchange({ audience: 'api://user-service', scope: '   ' })).rejects.toThrow(new InvalidScope('scope is empty'));
    const withdrawn = { ...defined, 'api://user-service': { name: 'User service', scopes: ['users:write'] } };
    await expect(exchange({ audience: 'api://user-service', scope: 'users:read' }, actor, withdrawn)).rejects.toThrow(InvalidScope);
    await expect(exchange({ audience: 'api://user-service' }, actor, withdrawn)).rejects.toThrow(InvalidScope);
  });

  it("at the subject token's own audience it only narrows: never a scope the subject token lacks", async () => {
    expect(await exchange({ audience: 'api://order-service', scope: 'orders:read' })).toMatchObject({ scopes: ['orders:read'] });
    expect(await refusal(exchange({ audience: 'api://order-service', scope: 'orders:read orders:write' }))).toEqual(
      new InvalidScope("scope may only narrow the subject token's scopes at its own audience: orders:write"),
    );
    // The defaults too: orders:write is granted for delegation but not the user's to give here.
    const wideDefaults = { grants: [delegation('api://order-service', ['orders:read', 'orders:write'])] };
    expect(await exchange({ audience: 'api://order-service' }, wideDefaults)).toMatchObject({ scopes: ['orders:read'] });
    const noOverlap = { grants: [delegation('api://order-service', ['orders:write'])] };
    await expect(exchange({ audience: 'api://order-service' }, noOverlap)).rejects.toThrow(InvalidScope);
  });

  it('at another audience the subject token\'s scopes do not limit it: the delegation grant does', async () => {
    expect(await exchange({ audience: 'api://user-service', scope: 'users:read' })).toMatchObject({ scopes: ['users:read'] });
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
