import { createParamDecorator, ExecutionContext } from '@nestjs/common';
import { InvalidToken } from '../errors/oauth.errors';
import { bearerTokenOf } from './bearer-token';
import { httpRequestOf } from './http-request';

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
  /** RFC 8693 §4.1: the party acting for `sub`; a nested `act` is the actor before it. */
  act?: ActorClaim;
  [claim: string]: unknown;
}

/** RFC 8693 §4.1 `act`: who acts, and (nested) who acted before. */
export interface ActorClaim {
  sub: string;
  act?: ActorClaim;
  [claim: string]: unknown;
}

/**
 * A delegated token (RFC 8693 token exchange): a user's token that a client obtained to act on the
 * user's behalf. The user is still the subject; the actors are who carried the request here.
 */
export interface Delegation {
  /** The user on whose behalf the call is made (`sub`). */
  user: string;
  /** The client acting right now (the outermost `act.sub`): who sent this token. */
  actor: string;
  /** Every actor, the current one first, then the one before it (nested `act`), and so on. */
  chain: string[];
}

export type PrincipalKind = 'user' | 'service';

/**
 * Who is calling: an end user (through a client, directly or through services acting on the user's
 * behalf), or a service acting for itself.
 */
export interface Principal {
  kind: PrincipalKind;
  /** User id for user tokens; client id for service tokens. */
  subject: string;
  /** The client the token was issued to: for a delegated token, the acting client. */
  clientId: string;
  scopes: string[];
  claims: AccessTokenClaims;
  /** Set when the token carries `act` (token exchange): the user and the services acting for them. */
  delegation?: Delegation;
}

/** Deeper `act` nesting is refused: no real chain of services is this long, and the claim is walked on every new token. */
export const MAX_ACTOR_CHAIN = 10;

/**
 * The delegation an `act` claim describes, or undefined without one. A malformed `act` (no string
 * `sub` at some level, or nested beyond MAX_ACTOR_CHAIN) makes the token invalid: a token that says
 * someone acts without saying who cannot be taken for a plain user token either.
 */
export function delegationOf(claims: AccessTokenClaims): Delegation | undefined {
  if (claims.act === undefined) return undefined;
  const chain: string[] = [];
  let actor: unknown = claims.act;
  while (actor !== undefined) {
    const { sub, act } = (typeof actor === 'object' && actor !== null ? actor : {}) as { sub?: unknown; act?: unknown };
    if (typeof sub !== 'string' || sub === '') throw new InvalidToken('the act claim does not name its actor');
    if (chain.length === MAX_ACTOR_CHAIN) throw new InvalidToken('the act claim is nested too deeply');
    chain.push(sub);
    actor = act;
  }
  return { user: claims.sub, actor: chain[0]!, chain };
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
  /**
   * RFC 9068 §2.2: a client-credentials token has `sub` = `client_id` (and no `auth_time`). The default.
   * A token with `act` (RFC 8693) is someone's token carried by another party, never a client acting for itself.
   */
  rfc9068: ((claims) =>
    claims.sub === clientIdOf(claims) && claims.auth_time === undefined && claims.act === undefined ? 'service' : 'user') as TokenKindClassifier,
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
  const delegation = delegationOf(claims);
  return {
    kind: classify(claims),
    subject: claims.sub,
    clientId: clientIdOf(claims) ?? '',
    scopes: scopesOf(claims.scope ?? claims.scp),
    claims,
    ...(delegation ? { delegation } : {}),
  };
}

/** `@Principal() caller: Principal`: the verified caller of this request (type and decorator share the name). */
export const Principal = createParamDecorator(
  (_data: unknown, context: ExecutionContext): Principal => httpRequestOf<{ user: Principal }>(context).user,
);

/**
 * `@BearerToken() token: string`: the access token the guard authenticated this request with, e.g. to
 * call another service on the caller's behalf (`ServiceHttpClient.onBehalfOf(token)`). Undefined on a
 * @Public() route called without one. Pass it on, never log it.
 */
export const BearerToken = createParamDecorator((_data: unknown, context: ExecutionContext): string | undefined =>
  bearerTokenOf(httpRequestOf<{ headers: Record<string, unknown> }>(context).headers.authorization),
);
