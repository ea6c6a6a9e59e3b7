import { CanActivate, ExecutionContext, Inject, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { AuthGuard, AuthModuleOptions } from '@nestjs/passport';
import { ChallengeScheme, InvalidRequest, InvalidToken, OAuthError } from '../errors/oauth.errors';
import { FlowTrace } from '../trace/flow-trace';
import { RESOURCE_SERVER_AUTH_OPTIONS, ResourceServerAuthOptions } from './auth.options';
import { bearerTokenOf, isB64Token } from './bearer-token';
import { hasRepeatedAuthorization } from './repeated-authorization';
import { describeRequiredCaller, routeAuthRequirements } from './decorators';
import { GuardDecisionStats, GuardOutcome } from './guard-decision.stats';
import type { Principal } from './principal';
import { RevocationFeed } from './revocation-feed';
import { TokenIntrospector } from './token-introspector';
import { VerifiedTokenCache } from './verified-token.cache';
import { httpRequestOf } from './http-request';

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

/**
 * What passport reported, as the RFC 6750 error: ours as they are (from the key provider or validate()),
 * jsonwebtoken's by class, expired told apart from otherwise invalid (RFC 6750 §3.1 invalid_token).
 * The class is read from `name`, which each jsonwebtoken error class sets: `instanceof` would miss
 * errors from a second copy of jsonwebtoken in the app's node_modules.
 */
function toInvalidToken(info: unknown): OAuthError {
  if (info instanceof OAuthError) return info;
  switch ((info as { name?: unknown } | undefined)?.name) {
    case 'TokenExpiredError':
      return new InvalidToken('the access token expired');
    case 'NotBeforeError':
      return new InvalidToken('the access token is not valid yet');
    default:
      return new InvalidToken('invalid access token');
  }
}

function outcomeOf(error: unknown): GuardOutcome {
  if (error instanceof MissingToken) return 'missing_token';
  if (error instanceof InvalidRequest) return 'invalid_request';
  return 'invalid_token';
}

/**
 * Global guard, deny by default: every route needs a valid bearer token unless it is @Public().
 * Tokens verified before are answered from a bounded in-memory cache until they expire, without
 * passport (the hot path: no promise, no microtask). Otherwise it is @nestjs/passport's AuthGuard on
 * this module's strategy (BearerTokenStrategy, `PassportModule.register({ defaultStrategy })`), and
 * handleRequest turns what passport reports into the RFC 6750 error.
 *
 * 401 or 403: this guard decides 401 (no valid token: `invalid_token`, or a bare challenge when there
 * was no token at all); ScopesGuard, which runs after it, decides 403 (`insufficient_scope`).
 */
@Injectable()
export class BearerAuthGuard extends AuthGuard() implements CanActivate {
  private readonly verified: VerifiedTokenCache;
  private readonly introspector?: TokenIntrospector;

  constructor(
    private readonly reflector: Reflector,
    @Inject(RESOURCE_SERVER_AUTH_OPTIONS) options: ResourceServerAuthOptions,
    private readonly decisions: GuardDecisionStats,
    passportOptions: AuthModuleOptions,
    private readonly revocations: RevocationFeed,
  ) {
    super(passportOptions);
    this.verified = new VerifiedTokenCache(options.verifiedTokenCacheSize ?? 10_000);
    this.introspector = options.introspection ? new TokenIntrospector(options.introspection) : undefined;
  }

  // Not async: a token seen before is answered without a promise or a microtask.
  override canActivate(context: ExecutionContext): boolean | Promise<boolean> {
    if (routeAuthRequirements(this.reflector, context).isPublic) {
      this.decisions.record(context, 'public');
      return true;
    }
    const request = httpRequestOf<{ headers: Record<string, unknown>; rawHeaders?: unknown; raw?: { rawHeaders?: unknown }; query?: unknown; user?: Principal }>(context);
    const authorization = request.headers.authorization;
    // Node keeps only the first of several Authorization lines in `headers`: count them in rawHeaders.
    if (authorization !== undefined && hasRepeatedAuthorization(request)) {
      this.decisions.record(context, 'invalid_request');
      throw new MalformedBearerRequest('more than one Authorization header');
    }
    const token = bearerTokenOf(authorization);
    const cached = token ? this.verified.get(token) : undefined;
    if (cached && !this.introspector && !this.revocations.isRevoked(cached.claims)) return this.allow(request, cached);
    // Only tokens that passed this check are ever cached, so a cache hit needs no second look.
    if (token !== undefined && !cached && !isB64Token(token)) {
      const error = new MalformedBearerRequest("the Authorization header must be 'Bearer' and one b64token (RFC 6750 section 2.1)");
      this.decisions.record(context, 'invalid_request', error);
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
      principal = cached ?? (await this.authenticate(context, request, token));
      // The issuer's revocation feed (disabled client or user, revoked grant), in memory.
      if (this.revocations.isRevoked(principal.claims)) throw new InvalidToken('the access token has been revoked');
      // Checked on cache hits too: a token verified earlier may have been revoked since.
      if (this.introspector && token) await this.introspector.assertActive(token, principal.claims.exp);
    } catch (error) {
      this.decisions.record(context, outcomeOf(error), error);
      this.traceDenial(context, error);
      throw error;
    }
    if (token && !cached) this.verified.set(token, principal);
    return this.allow(request, principal);
  }

  private allow(request: { user?: Principal }, principal: Principal): true {
    request.user = principal;
    if (FlowTrace.current()) {
      const { kind, subject, clientId, scopes, delegation } = principal;
      const caller = { kind, sub: subject, client_id: clientId, scope: scopes, ...(delegation ? { act: delegation.chain } : {}) };
      FlowTrace.recordGuard({ requiredScopes: [], decision: 'allow', caller });
    }
    return true;
  }

  /** Development flow trace: what the route required and why the token was refused. */
  private traceDenial(context: ExecutionContext, error: unknown): void {
    if (!FlowTrace.current()) return;
    const requirements = routeAuthRequirements(this.reflector, context);
    const { scopes } = requirements;
    const reason = error instanceof OAuthError ? `${error.error}: ${error.message}` : 'invalid_token';
    FlowTrace.recordGuard({
      requiredScopes: scopes,
      requiredTokenKind: describeRequiredCaller(requirements),
      decision: 'deny',
      reason,
    });
  }

  /** passport-jwt through AuthGuard; a request without a bearer token never gets that far. */
  private async authenticate(context: ExecutionContext, request: { user?: Principal }, token: string | undefined): Promise<Principal> {
    if (token === undefined) throw new MissingToken();
    await super.canActivate(context);
    return request.user!;
  }

  /** What passport reported, as the RFC 6750 error (by class: see toInvalidToken). */
  override handleRequest<TUser = Principal>(error: unknown, principal: TUser | false, info: unknown): TUser {
    if (error || !principal) throw toInvalidToken(error ?? info);
    return principal;
  }
}
