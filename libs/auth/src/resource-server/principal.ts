import { createParamDecorator, ExecutionContext } from '@nestjs/common';

/** Claims of an RFC 9068 access token as this library reads them. */
export interface AccessTokenClaims {
  iss: string;
  sub: string;
  aud: string | string[];
  exp: number;
  iat?: number;
  nbf?: number;
  jti?: string;
  client_id: string;
  scope?: string | string[];
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

/**
 * Tells a user token from a service token by its claims alone: a client-credentials token has
 * `sub` = `client_id` and no `auth_time`; a user token's `sub` is the user.
 */
export function principalFromClaims(claims: AccessTokenClaims): Principal {
  const kind: PrincipalKind = claims.sub === claims.client_id && claims.auth_time === undefined ? 'service' : 'user';
  return { kind, subject: claims.sub, clientId: claims.client_id, scopes: scopesOf(claims.scope), claims };
}

/** `@Principal() caller: Principal`: the verified caller of this request (type and decorator share the name). */
export const Principal = createParamDecorator(
  (_data: unknown, context: ExecutionContext): Principal => context.switchToHttp().getRequest<{ user: Principal }>().user,
);
