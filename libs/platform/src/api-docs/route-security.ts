import { IS_PUBLIC_KEY, PrincipalKind, SCOPES_KEY, TOKEN_KIND_KEY } from '@nest-oauth-m2m/auth';
import { RouteEntry } from './route-table';

export const OAUTH2_SCHEME = 'oauth2';
export const BEARER_SCHEME = 'bearer';

/** What the resource-server guards (BearerAuthGuard + ScopesGuard) demand of a route. */
export interface RouteSecurity {
  public: boolean;
  scopes: string[];
  tokenKind?: PrincipalKind;
}

function metadataOf<T>(key: string, route: RouteEntry): T | undefined {
  // Same precedence as the guards' Reflector.getAllAndOverride: handler first, then controller.
  return (Reflect.getMetadata(key, route.handler) ?? Reflect.getMetadata(key, route.controller)) as T | undefined;
}

/**
 * Reads @Public / @Scopes / @UserOnly / @ServiceOnly. `guardedByDefault` says whether the app runs the
 * global bearer guard (resource servers: deny by default); without it only @Scopes-free routes exist.
 */
export function routeSecurity(route: RouteEntry, guardedByDefault: boolean): RouteSecurity {
  const isPublic = metadataOf<boolean>(IS_PUBLIC_KEY, route) === true || !guardedByDefault;
  return {
    public: isPublic,
    scopes: isPublic ? [] : (metadataOf<string[]>(SCOPES_KEY, route) ?? []),
    tokenKind: isPublic ? undefined : metadataOf<PrincipalKind>(TOKEN_KIND_KEY, route),
  };
}

/** The OpenAPI security requirement for a guarded route: OAuth2 with its scopes, or a bearer JWT. */
export function securityRequirement(security: RouteSecurity): Record<string, string[]>[] {
  return [{ [OAUTH2_SCHEME]: security.scopes }, { [BEARER_SCHEME]: [] }];
}

export function describeSecurity(security: RouteSecurity): string {
  const scopes = security.scopes.length ? `scopes: ${security.scopes.map((s) => `\`${s}\``).join(', ')}` : 'no particular scope';
  const kind =
    security.tokenKind === 'user'
      ? 'End-user tokens only (authorization_code login); service tokens are refused with 403 insufficient_scope.'
      : security.tokenKind === 'service'
        ? 'Service tokens only (client_credentials); end-user tokens are refused with 403 insufficient_scope.'
        : 'Service or end-user tokens.';
  return `**Requires** a bearer access token with ${scopes}. ${kind} A missing or invalid token gets 401 with a WWW-Authenticate challenge; a missing scope gets 403 insufficient_scope.`;
}
