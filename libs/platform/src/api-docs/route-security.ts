import { DelegationRequirement, PrincipalKind, readRouteAuthRequirements } from '@nest-oauth-m2m/auth';
import { Reflector } from '@nestjs/core';
import { RouteEntry } from './route-table';

export const OAUTH2_SCHEME = 'oauth2';
export const BEARER_SCHEME = 'bearer';

/** What the resource-server guards (BearerAuthGuard + ScopesGuard) demand of a route. */
export interface RouteSecurity {
  public: boolean;
  scopes: string[];
  /** @AnyScope(): one of these as well. */
  anyScopes: string[];
  tokenKind?: PrincipalKind;
  /** @OnBehalfOfUser() / @NotDelegated(). */
  delegation?: DelegationRequirement;
}

const reflector = new Reflector();

/**
 * Reads @Public / @Scopes / @UserOnly / @ServiceOnly / @OnBehalfOfUser / @NotDelegated. `guardedByDefault` says whether the app runs the
 * global bearer guard (resource servers: deny by default); without it only @Scopes-free routes exist.
 */
export function routeSecurity(route: RouteEntry, guardedByDefault: boolean): RouteSecurity {
  // The guards' own reading of the decorators, so the document says what they enforce.
  const required = readRouteAuthRequirements(reflector, route.handler, route.controller);
  const isPublic = required.isPublic || !guardedByDefault;
  return {
    public: isPublic,
    scopes: isPublic ? [] : required.scopes,
    anyScopes: isPublic ? [] : required.anyScopes,
    tokenKind: isPublic ? undefined : required.tokenKind,
    ...(!isPublic && required.delegation ? { delegation: required.delegation } : {}),
  };
}

/** The OpenAPI security requirement for a guarded route: OAuth2 with its scopes, or a bearer JWT. */
export function securityRequirement(security: RouteSecurity): Record<string, string[]>[] {
  // OpenAPI: alternatives are separate requirement objects, so @AnyScope gives one per scope.
  const oauth2 = security.anyScopes.length ? security.anyScopes.map((scope) => [...security.scopes, scope]) : [security.scopes];
  return [...oauth2.map((scopes) => ({ [OAUTH2_SCHEME]: scopes })), { [BEARER_SCHEME]: [] }];
}

export function describeSecurity(security: RouteSecurity): string {
  const all = security.scopes.map((s) => `\`${s}\``);
  const oneOf = security.anyScopes.length ? [`one of ${security.anyScopes.map((s) => `\`${s}\``).join(' or ')}`] : [];
  const scopes = all.length || oneOf.length ? `scopes: ${[...all, ...oneOf].join(', ')}` : 'no particular scope';
  const kind =
    security.tokenKind === 'user'
      ? 'End-user tokens only (authorization_code login); service tokens are refused with 403 insufficient_scope.'
      : security.tokenKind === 'service'
        ? 'Service tokens only (client_credentials); end-user tokens are refused with 403 insufficient_scope.'
        : 'Service or end-user tokens.';
  // @OnBehalfOfUser says which tokens, replacing the kind; @NotDelegated narrows it.
  const delegation = describeDelegation(security.delegation);
  const who = security.delegation?.mode === 'required' ? delegation : [kind, delegation].filter(Boolean).join(' ');
  return `**Requires** a bearer access token with ${scopes}. ${who} A missing or invalid token gets 401 with a WWW-Authenticate challenge; a missing scope gets 403 insufficient_scope.`;
}

/** What a delegation rule lets in or keeps out. */
function describeDelegation(rule: DelegationRequirement | undefined): string | undefined {
  if (!rule) return undefined;
  if (rule.mode === 'refused') return 'Tokens acting on behalf of a user (RFC 8693 token exchange, `act`) are refused with 403 insufficient_scope.';
  const actors = rule.actors ? ` obtained by ${rule.actors.map((actor) => `\`${actor}\``).join(' or ')}` : '';
  const service = rule.orServiceToken ? 'Service tokens (client_credentials), or tokens' : 'Tokens';
  return `${service} acting on behalf of a user (RFC 8693 token exchange, \`act\`)${actors}; other tokens are refused with 403 insufficient_scope.`;
}
