import { createParamDecorator, ExecutionContext } from '@nestjs/common';

/** Claims of a JWT access token as this library reads them (RFC 9068, and what other issuers use). */
export interface AccessTokenClaims {
  iss: string;
  sub: string;
  aud: string | string[];
  exp: number;
  iat?: number;
  nbf?: number;
  jti?: string;
  /** RFC 9068 / RFC 8693; Keycloak, Auth0 and Entra v2 say `azp`, Entra v1 `appid`. */
  client_id?: string;
  /** RFC 9068: space-separated string. Some issuers send an array. */
  scope?: string | string[];
  /** Microsoft Entra, Okta: scopes as `scp` (array, or space-separated string). */
  scp?: string | string[];
  auth_time?: number;
  [claim: string]: unknown;
}

export type PrincipalKind = 'user' | 'service';

/** Who is calling: an end user (through a client) or a service acting for itself. */
export interface Principal {
  kind: PrincipalKind;
  /** User id for user tokens; client id for service tokens. */
  subject: string;
  clientId: string;
  scopes: string[];
  claims: AccessTokenClaims;
}

/** `scope` may be a space-separated string (RFC 9068) or an array (some issuers). */
export function scopesOf(scope: unknown): string[] {
  if (typeof scope === 'string') return scope.split(' ').filter(Boolean);
  if (Array.isArray(scope)) return scope.filter((value): value is string => typeof value === 'string' && value !== '');
  return [];
}

/** Decides whether a verified token speaks for an end user or for a service acting for itself. */
export type TokenKindClassifier = (claims: AccessTokenClaims) => PrincipalKind;

/**
 * Token-kind rules for common issuers (`AuthModule.forRoot({ tokenKind: TokenKinds.keycloak })`), or write
 * your own function of the claims.
 */
export const TokenKinds = {
  /** RFC 9068 §2.2: a client-credentials token has `sub` = `client_id` (and no `auth_time`). The default. */
  rfc9068: ((claims) => (claims.sub === clientIdOf(claims) && claims.auth_time === undefined ? 'service' : 'user')) as TokenKindClassifier,
  /** Keycloak: a client's service account is a user named `service-account-<client>`. */
  keycloak: ((claims) =>
    typeof claims.preferred_username === 'string' && claims.preferred_username.startsWith('service-account-') ? 'service' : 'user') as TokenKindClassifier,
  /** Auth0: client-credentials tokens carry `gty: client-credentials` and `sub` = `<client id>@clients`. */
  auth0: ((claims) => (claims.gty === 'client-credentials' || claims.sub.endsWith('@clients') ? 'service' : 'user')) as TokenKindClassifier,
  /** Microsoft Entra ID: app-only tokens carry `idtyp: app` (optional claim; enable it on the API's app registration). */
  entra: ((claims) => (claims.idtyp === 'app' ? 'service' : 'user')) as TokenKindClassifier,
} as const;

/** The client the token was issued to: `client_id` (RFC 9068), else `azp`, else Entra v1's `appid`. */
export function clientIdOf(claims: AccessTokenClaims): string | undefined {
  const id = claims.client_id ?? claims.azp ?? claims.appid;
  return typeof id === 'string' && id !== '' ? id : undefined;
}

/** The caller described by verified claims; `classify` tells user from service (default RFC 9068). */
export function principalFromClaims(claims: AccessTokenClaims, classify: TokenKindClassifier = TokenKinds.rfc9068): Principal {
  return {
    kind: classify(claims),
    subject: claims.sub,
    clientId: clientIdOf(claims) ?? '',
    scopes: scopesOf(claims.scope ?? claims.scp),
    claims,
  };
}

/** `@Principal() caller: Principal`: the verified caller of this request (type and decorator share the name). */
export const Principal = createParamDecorator(
  (_data: unknown, context: ExecutionContext): Principal => context.switchToHttp().getRequest<{ user: Principal }>().user,
);
