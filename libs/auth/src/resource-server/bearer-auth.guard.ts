import { CanActivate, ExecutionContext, Inject, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import passport from 'passport';
import { InvalidRequest, InvalidToken, OAuthError } from '../errors/oauth.errors';
import { FlowTrace } from '../trace/flow-trace';
import { RESOURCE_SERVER_AUTH_OPTIONS, ResourceServerAuthOptions } from './auth.options';
import { benchmarkPrincipal } from './benchmark-bypass';
import { BearerTokenStrategy } from './bearer-token.strategy';
import { routeAuthRequirements } from './decorators';
import { GuardDecisionStats, GuardOutcome } from './guard-decision.stats';
import type { Principal } from './principal';
import { TokenIntrospector } from './token-introspector';
import { VerifiedTokenCache } from './verified-token.cache';

/** No credentials at all: RFC 6750 §3.1 says the challenge then carries no error code. */
export class MissingToken extends InvalidToken {
  constructor() {
    super('a bearer access token is required');
    this.omitChallengeError = true;
  }
}

interface JwtLibraryError {
  name?: string;
  message?: string;
}

/** What went wrong, told apart: expired from otherwise invalid (RFC 6750 §3.1 invalid_token). */
function toInvalidToken(info: unknown): OAuthError {
  if (info instanceof OAuthError) return info;
  const error = info as JwtLibraryError | undefined;
  switch (error?.name) {
    case 'TokenExpiredError':
      return new InvalidToken('the access token expired');
    case 'NotBeforeError':
      return new InvalidToken('the access token is not valid yet');
    case 'JsonWebTokenError':
      return new InvalidToken(describeJwtError(error.message ?? ''));
    default:
      return error?.message === 'No auth token' ? new MissingToken() : new InvalidToken('invalid access token');
  }
}

/**
 * The credentials of `Authorization: Bearer <token>` (scheme case-insensitive), as the verified-token
 * cache key; passport-jwt still validates whatever it is given. Plain string work: a regex over a
 * ~500-character token is the guard's largest cost on a cache hit.
 */
function bearerTokenOf(authorization: unknown): string | undefined {
  if (typeof authorization !== 'string' || authorization.length < 8) return undefined;
  if (authorization.charCodeAt(6) !== 0x20 || authorization.slice(0, 6).toLowerCase() !== 'bearer') return undefined;
  let start = 7;
  while (authorization.charCodeAt(start) === 0x20) start++;
  return start < authorization.length ? authorization.slice(start) : undefined;
}

function outcomeOf(error: unknown): GuardOutcome {
  if (error instanceof MissingToken) return 'missing_token';
  if (error instanceof InvalidRequest) return 'invalid_request';
  return 'invalid_token';
}

function describeJwtError(message: string): string {
  if (message.startsWith('jwt audience invalid')) return 'the access token is not for this audience';
  if (message.startsWith('jwt issuer invalid')) return 'the access token is from another issuer';
  if (message === 'invalid algorithm') return 'the access token algorithm is not accepted';
  if (message === 'invalid signature') return 'the access token signature is invalid';
  return 'invalid access token';
}

/**
 * Global guard, deny by default: every route needs a valid bearer token unless it is @Public().
 * Tokens verified before are answered from a bounded in-memory cache until they expire.
 *
 * It runs this module's own passport-jwt strategy instance rather than one looked up by name in
 * passport's process-wide registry, so two apps in one process (tests, a gateway) never share one.
 */
@Injectable()
export class BearerAuthGuard implements CanActivate {
  private readonly verified: VerifiedTokenCache;
  private readonly benchmarkBypass: boolean;
  private readonly introspector?: TokenIntrospector;

  constructor(
    private readonly reflector: Reflector,
    private readonly strategy: BearerTokenStrategy,
    @Inject(RESOURCE_SERVER_AUTH_OPTIONS) options: ResourceServerAuthOptions,
    private readonly decisions: GuardDecisionStats,
  ) {
    this.verified = new VerifiedTokenCache(options.verifiedTokenCacheSize ?? 10_000);
    this.benchmarkBypass = options.benchmarkBypass === true;
    this.introspector = options.introspection ? new TokenIntrospector(options.introspection) : undefined;
  }

  // Not async: a token seen before is answered without a promise or a microtask.
  canActivate(context: ExecutionContext): boolean | Promise<boolean> {
    if (routeAuthRequirements(this.reflector, context).isPublic) {
      this.decisions.record(context, 'public');
      return true;
    }
    const request = context.switchToHttp().getRequest<{ headers: Record<string, unknown>; query?: unknown; user?: Principal }>();
    const authorization = request.headers.authorization;
    if (this.benchmarkBypass) {
      request.user = benchmarkPrincipal(authorization);
      return true;
    }
    if (Array.isArray(authorization)) {
      this.decisions.record(context, 'invalid_request');
      throw new InvalidRequest('more than one Authorization header');
    }
    const token = bearerTokenOf(authorization);
    const cached = token ? this.verified.get(token) : undefined;
    if (cached && !this.introspector) return this.allow(request, cached);
    return this.verify(context, request, token, cached);
  }

  private async verify(
    context: ExecutionContext,
    request: { user?: Principal },
    token: string | undefined,
    cached: Principal | undefined,
  ): Promise<true> {
    let principal: Principal;
    try {
      principal = cached ?? (await this.authenticate(request));
      // Checked on cache hits too: a token verified earlier may have been revoked since.
      if (this.introspector && token) await this.introspector.assertActive(token, principal.claims.exp);
    } catch (error) {
      this.decisions.record(context, outcomeOf(error));
      this.traceDenial(context, error);
      throw error;
    }
    if (token && !cached) this.verified.set(token, principal);
    return this.allow(request, principal);
  }

  private allow(request: { user?: Principal }, principal: Principal): true {
    request.user = principal;
    if (FlowTrace.current()) {
      const { kind, subject, clientId, scopes } = principal;
      FlowTrace.recordGuard({ requiredScopes: [], decision: 'allow', caller: { kind, sub: subject, client_id: clientId, scope: scopes } });
    }
    return true;
  }

  /** Development flow trace: what the route required and why the token was refused. */
  private traceDenial(context: ExecutionContext, error: unknown): void {
    if (!FlowTrace.current()) return;
    const { scopes, tokenKind } = routeAuthRequirements(this.reflector, context);
    const reason = error instanceof OAuthError ? `${error.error}: ${error.message}` : 'invalid_token';
    FlowTrace.recordGuard({
      requiredScopes: scopes,
      requiredTokenKind: tokenKind,
      decision: 'deny',
      reason,
    });
  }

  private authenticate(request: object): Promise<Principal> {
    return new Promise((resolve, reject) => {
      // passport decorates the strategy it runs with per-request success/fail callbacks: give each
      // request its own object inheriting from the strategy, as passport does for named strategies.
      const authenticate = passport.authenticate(
        Object.create(this.strategy) as passport.Strategy,
        { session: false },
        (error: unknown, principal: Principal | false, info: unknown) => {
          if (error) reject(toInvalidToken(error));
          else if (!principal) reject(toInvalidToken(info));
          else resolve(principal);
        },
      ) as (request: object, response: object, next: (error?: unknown) => void) => void;
      authenticate(request, {}, (error) => reject(toInvalidToken(error)));
    });
  }
}
