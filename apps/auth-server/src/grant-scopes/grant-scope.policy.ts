import { InvalidGrant, InvalidRequest, InvalidScope, InvalidTarget } from '@nest-oauth-m2m/auth';
import { Injectable } from '@nestjs/common';
import type { ClientGrantEntity } from '../clients/client-grant.entity';
import type { ClientEntity } from '../clients/client.entity';
import { isAbsoluteUriWithoutFragment } from '../oauth-syntax';
import { CatalogedResource, ResourceCatalog } from '../resources/resource-catalog';

/** What a new grant asks for: the parameters of a token request (client_credentials) or an authorization request. */
export interface ScopeRequest {
  /** RFC 8707 `resource`: an absolute URI without a fragment. */
  resource?: string;
  /** `audience`, the same choice by another name (not both). */
  audience?: string;
  /** The raw `scope` parameter; undefined when the request names none. */
  scope?: string;
}

/** A login's tokens so far: the audience chosen at sign-in (null on codes and refresh tokens from before resources) and its scopes. */
export interface LoginScopes {
  audience: string | null;
  scopes: string[];
}

/** The user token a client exchanges (RFC 8693 subject token): its audience and scopes. */
export interface SubjectTokenScopes {
  audience: string;
  scopes: string[];
}

/** The decision: the tokens' audience, its registered name, and their scopes. */
export interface GrantedAccess {
  audience: string;
  audienceName: string;
  scopes: string[];
}

type Client = Pick<ClientEntity, 'grants'>;

/**
 * invalid_grant because nothing of a login is granted any more (the scopes were withdrawn from the
 * client or the API): the login ends for good, the refresh family is revoked.
 */
export class LoginNoLongerGranted extends InvalidGrant {}

/**
 * The one place that decides a token's audience and scopes, for every grant (issue 27), from the
 * client's per-resource grants and the scopes each resource defines NOW:
 * - the audience is `resource` or `audience`, which the client must be granted; with neither, the
 *   first API (client grants by resource URI) where the request fits;
 * - every scope is granted to the client at that API and defined by it;
 * - no `scope`: the client's default scopes at that API, never those of another;
 * - a login (code exchange, refresh) keeps its audience and gets its scopes that are still granted
 *   and defined; nothing left ends it (LoginNoLongerGranted);
 * - a token exchange (delegation, RFC 8693) needs a `delegation` grant at the target, and when the
 *   target is the subject token's own audience only narrows that token's scopes (decideDelegation).
 * Those are `direct` grants everywhere except in decideDelegation, which reads only `delegation` ones.
 * Errors: libs/auth's typed OAuth errors, thrown. Reads no database: resources come from ResourceCatalog.
 */
@Injectable()
export class GrantScopePolicy {
  constructor(private readonly catalog: ResourceCatalog) {}

  /** client_credentials and the authorization endpoint. */
  async decide(client: Client, request: ScopeRequest): Promise<GrantedAccess> {
    const { resource, audience } = request;
    if (resource !== undefined && audience !== undefined) throw new InvalidRequest('use either resource or audience, not both');
    const grants = grantsOf(client);
    const target = resource ?? audience;
    const targetGrant = target === undefined ? undefined : grants.find((candidate) => candidate.resourceUri === target);
    // A granted resource's URI was checked when the resource was registered (a grant references one):
    // the URL parse is only for the rest (1 % of the token endpoint's busy time, issue 28).
    if (resource !== undefined && !targetGrant && !isAbsoluteUriWithoutFragment(resource)) {
      throw new InvalidTarget('resource must be an absolute URI without a fragment');
    }
    const requested = request.scope === undefined ? undefined : parseScope(request.scope);
    if (requested?.length === 0) throw new InvalidScope('scope is empty');
    const resources = await this.catalog.resources();
    if (target !== undefined) {
      const registered = targetGrant && resources.get(target);
      if (!registered) throw new InvalidTarget(`resource not granted to this client: ${target}`);
      return { audience: target, audienceName: registered.name, scopes: scopesAt(targetGrant, registered, requested) };
    }
    for (const grant of inStableOrder(grants)) {
      const registered = resources.get(grant.resourceUri);
      if (!registered) continue;
      const scopes = requested ? (fitsAt(grant, registered, requested) ? requested : undefined) : defaultsAt(grant, registered);
      if (scopes?.length) return { audience: grant.resourceUri, audienceName: registered.name, scopes };
    }
    if (!grants.length) throw new InvalidTarget('this client is granted no API');
    if (requested) {
      const nowhere = requested.filter((scope) => !grants.some((grant) => grant.scopes.includes(scope)));
      if (nowhere.length) throw new InvalidScope(`scope not granted to this client: ${nowhere.join(' ')}`);
      throw new InvalidScope(`no API granted to this client defines all of: ${requested.join(' ')} (name one with resource)`);
    }
    throw new InvalidScope('scope is required: this client has no default scope at any API');
  }

  /**
   * authorization_code and refresh_token: the audience chosen at sign-in (a `resource` may only repeat
   * it, RFC 8707 §2.2) and the login's scopes still granted there and defined; `scope` may narrow them.
   */
  async continueLogin(client: Client, login: LoginScopes, request: Pick<ScopeRequest, 'resource' | 'scope'>): Promise<GrantedAccess> {
    const resources = await this.catalog.resources();
    const audience = login.audience ?? this.legacyAudience(client, login.scopes, resources);
    if (audience === undefined) throw new LoginNoLongerGranted('the client is no longer granted any scope of this login: sign in again');
    if (request.resource !== undefined && request.resource !== audience) {
      throw new InvalidTarget(`resource must be the audience this login was granted for: ${audience}`);
    }
    const grant = grantsOf(client).find((candidate) => candidate.resourceUri === audience);
    const registered = resources.get(audience);
    const remaining = grant && registered ? login.scopes.filter((scope) => grant.scopes.includes(scope) && registered.scopes.has(scope)) : [];
    if (!remaining.length) throw new LoginNoLongerGranted(`the client is no longer granted any scope of this login at ${audience}: sign in again`);
    const audienceName = registered!.name;
    if (request.scope === undefined) return { audience, audienceName, scopes: remaining };
    const wanted = parseScope(request.scope);
    const wider = wanted.filter((scope) => !login.scopes.includes(scope));
    if (!wanted.length || wider.length) throw new InvalidScope(`scope may only narrow the original grant${wider.length ? `: ${wider.join(' ')}` : ''}`);
    const withdrawn = wanted.filter((scope) => !remaining.includes(scope));
    if (withdrawn.length) throw new InvalidScope(`no longer granted to this client at ${audience}: ${withdrawn.join(' ')}`);
    return { audience, audienceName, scopes: wanted };
  }

  /**
   * Token exchange (RFC 8693, delegation): the client acts on behalf of the user of `subject` at the
   * target named by `resource` or `audience` (required: an exchange never guesses where a user's
   * authority goes). The scopes are the requested ones (default: the delegation grant's defaults),
   * each granted to the client for delegation there and defined there; when the target is the subject
   * token's own audience, also among the subject token's scopes, so an exchange there only narrows.
   * Errors as RFC 8693 §2.2.2: invalid_request, invalid_target (no delegation grant there), invalid_scope.
   */
  async decideDelegation(client: Client, subject: SubjectTokenScopes, request: ScopeRequest): Promise<GrantedAccess> {
    const { resource, audience } = request;
    if (resource !== undefined && audience !== undefined) throw new InvalidRequest('use either resource or audience, not both');
    const target = resource ?? audience;
    if (target === undefined) throw new InvalidRequest('name the target API with resource or audience');
    if (resource !== undefined && !isAbsoluteUriWithoutFragment(resource)) {
      throw new InvalidTarget('resource must be an absolute URI without a fragment');
    }
    const requested = request.scope === undefined ? undefined : parseScope(request.scope);
    if (requested?.length === 0) throw new InvalidScope('scope is empty');
    const grant = delegationGrantsOf(client).find((candidate) => candidate.resourceUri === target);
    const registered = grant && (await this.catalog.resources()).get(target);
    if (!registered) throw new InvalidTarget(`this client may not act on behalf of users at ${target}`);
    // At the subject token's own audience the user's consent so far is the ceiling: never wider.
    const ceiling = subject.audience === target ? new Set(subject.scopes) : undefined;
    if (requested === undefined) {
      const defaults = defaultsAt(grant, registered).filter((scope) => !ceiling || ceiling.has(scope));
      if (!defaults.length) throw new InvalidScope(`scope is required: no default scope of this client's delegation grant at ${target} applies`);
      return { audience: target, audienceName: registered.name, scopes: defaults };
    }
    const notGranted = requested.filter((scope) => !grant.scopes.includes(scope));
    if (notGranted.length) throw new InvalidScope(`scope not granted to this client on behalf of users at ${target}: ${notGranted.join(' ')}`);
    const notDefined = requested.filter((scope) => !registered.scopes.has(scope));
    if (notDefined.length) throw new InvalidScope(`scope not defined by ${target}: ${notDefined.join(' ')}`);
    const wider = ceiling ? requested.filter((scope) => !ceiling.has(scope)) : [];
    if (wider.length) throw new InvalidScope(`scope may only narrow the subject token's scopes at its own audience: ${wider.join(' ')}`);
    return { audience: target, audienceName: registered.name, scopes: requested };
  }

  /** The scopes the client may have at one API now: granted there and defined there (empty when none). */
  async grantedAt(client: Client, audience: string): Promise<string[]> {
    const grant = grantsOf(client).find((candidate) => candidate.resourceUri === audience);
    if (!grant) return [];
    const registered = (await this.catalog.resources()).get(audience);
    return registered ? grant.scopes.filter((scope) => registered.scopes.has(scope)) : [];
  }

  /** Codes and refresh tokens from before resources carry no audience: the first granted API that still has one of their scopes. */
  private legacyAudience(client: Client, scopes: string[], resources: ReadonlyMap<string, CatalogedResource>): string | undefined {
    return inStableOrder(grantsOf(client)).find((grant) => {
      const registered = resources.get(grant.resourceUri);
      return registered && scopes.some((scope) => grant.scopes.includes(scope) && registered.scopes.has(scope));
    })?.resourceUri;
  }
}

/**
 * The client's direct grants. The registry always loads its grants (ClientRegistry); a client read
 * without them is granted nothing. A grant without a kind is direct (the column's default).
 */
function grantsOf(client: Client): ClientGrantEntity[] {
  const grants = client.grants ?? [];
  // The token hot path: no copy for the usual client, which holds no delegation grant.
  return grants.some(isDelegation) ? grants.filter((grant) => !isDelegation(grant)) : grants;
}

const isDelegation = (grant: ClientGrantEntity) => grant.kind === 'delegation';

/** The client's delegation grants: where it may act on behalf of users (token exchange). */
function delegationGrantsOf(client: Client): ClientGrantEntity[] {
  return (client.grants ?? []).filter(isDelegation);
}

/** RFC 6749 §3.3: space-separated, each once. */
function parseScope(scope: string): string[] {
  return [...new Set(scope.split(' ').filter(Boolean))];
}

/** The requested scopes, or the defaults, at one API; invalid_scope when any is not the client's there or not defined there. */
function scopesAt(grant: ClientGrantEntity, registered: CatalogedResource, requested: string[] | undefined): string[] {
  if (requested === undefined) {
    const defaults = defaultsAt(grant, registered);
    if (!defaults.length) throw new InvalidScope(`scope is required: this client has no default scope at ${grant.resourceUri}`);
    return defaults;
  }
  const notGranted = requested.filter((scope) => !grant.scopes.includes(scope));
  if (notGranted.length) throw new InvalidScope(`scope not granted to this client at ${grant.resourceUri}: ${notGranted.join(' ')}`);
  const notDefined = requested.filter((scope) => !registered.scopes.has(scope));
  if (notDefined.length) throw new InvalidScope(`scope not defined by ${grant.resourceUri}: ${notDefined.join(' ')}`);
  return requested;
}

function fitsAt(grant: ClientGrantEntity, registered: CatalogedResource, requested: string[]): boolean {
  return requested.every((scope) => grant.scopes.includes(scope) && registered.scopes.has(scope));
}

function defaultsAt(grant: ClientGrantEntity, registered: CatalogedResource): string[] {
  return grant.defaultScopes.filter((scope) => grant.scopes.includes(scope) && registered.scopes.has(scope));
}

/** "The first API" means the same one on every request and replica: grants by resource URI. */
function inStableOrder(grants: ClientGrantEntity[]): ClientGrantEntity[] {
  return grants.length < 2 ? grants : [...grants].sort((a, b) => (a.resourceUri < b.resourceUri ? -1 : a.resourceUri > b.resourceUri ? 1 : 0));
}
