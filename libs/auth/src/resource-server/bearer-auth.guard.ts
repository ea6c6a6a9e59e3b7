import { CanActivate, ExecutionContext, Inject, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import passport from 'passport';
import { ChallengeScheme, InvalidRequest, InvalidToken, OAuthError } from '../errors/oauth.errors';
import { FlowTrace } from '../trace/flow-trace';
import { RESOURCE_SERVER_AUTH_OPTIONS, ResourceServerAuthOptions } from './auth.options';
import { benchmarkPrincipal } from './benchmark-bypass';
import { bearerTokenOf, isB64Token } from './bearer-credentials';
import { BearerTokenStrategy } from './bearer-token.strategy';
import { routeAuthRequirements } from './decorators';
import { GuardDecisionStats, GuardOutcome } from './guard-decision.stats';
import type { Principal } from './principal';
import { TokenIntrospector } from './token-introspector';
import { VerifiedTokenCache } from './verified-token.cache';

/**
 * RFC 6750 §3.1 invalid_request: the Authorization header is not exactly `Bearer <b64token>` (a second
 * word after the token, a tab, no token), or there are several. 400, with a Bearer challenge.
 */
export class MalformedBearerRequest extends InvalidRequest {
  override challenge: ChallengeScheme = 'Bearer';
}

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
      throw new MalformedBearerRequest('more than one Authorization header');
    }
    const token = bearerTokenOf(authorization);
    const cached = token ? this.verified.get(token) : undefined;
    if (cached && !this.introspector) return this.allow(request, cached);
    // Only tokens that passed this check are ever cached, so a cache hit needs no second look.
    if (token !== undefined && !cached && !isB64Token(token)) {
      this.decisions.record(context, 'invalid_request');
      const error = new MalformedBearerRequest("the Authorization header must be 'Bearer' and one b64token (RFC 6750 section 2.1)");
      this.traceDenial(context, error);
      throw error;
    }
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
