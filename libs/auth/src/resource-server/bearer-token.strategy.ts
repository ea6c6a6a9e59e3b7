import { Inject, Injectable } from '@nestjs/common';
import { PassportStrategy } from '@nestjs/passport';
import { Strategy as JwtStrategy, StrategyOptionsWithoutRequest, VerifyCallback } from 'passport-jwt';
import { InvalidToken, TemporarilyUnavailable } from '../errors/oauth.errors';
import { decodeJwtSegment } from '../jwt';
import { ASYMMETRIC_ALGORITHMS, RESOURCE_SERVER_AUTH_OPTIONS, ResourceServerAuthOptions } from './auth.options';
import { strictBearerToken } from './bearer-token';
import { JwksKeyStore, UnknownSigningKey } from './jwks-key-store';
import { AccessTokenClaims, clientIdOf, Principal, principalFromClaims, TokenKindClassifier, TokenKinds } from './principal';

/** The passport name of one AuthModule's strategy (see AuthModule: one per module, never `jwt`). */
export const BEARER_STRATEGY_NAME = Symbol('BEARER_STRATEGY_NAME');

/**
 * passport-jwt under a name of our choosing: each AuthModule registers its own strategy, so two apps in
 * one process (tests, a gateway) never verify with each other's settings, and an app's own `jwt`
 * strategy is left alone.
 */
class NamedJwtStrategy extends JwtStrategy {
  constructor(options: StrategyOptionsWithoutRequest & { strategyName: string }, verify: VerifyCallback) {
    super(options, verify);
    this.name = options.strategyName;
  }
}

/** RFC 9068 §4: the header's `typ`, without an `application/` prefix, lower case (RFC 7515 §4.1.9). */
function mediaTypeOf(typ: unknown): string | undefined {
  return typeof typ === 'string' ? typ.toLowerCase().replace(/^application\//, '') : undefined;
}

/**
 * passport-jwt with the issuer's JWKS: algorithms pinned to the asymmetric ones the issuer announces,
 * `exp` required, small clock tolerance, the `typ` policy (default `at+jwt`). `iss` and `aud` are
 * checked in validate(), which says which one failed without reading jsonwebtoken's messages.
 */
@Injectable()
export class BearerTokenStrategy extends PassportStrategy(NamedJwtStrategy) {
  private readonly classify: TokenKindClassifier;
  private readonly issuer: string;
  private readonly audience: string;

  constructor(
    @Inject(RESOURCE_SERVER_AUTH_OPTIONS) options: ResourceServerAuthOptions,
    keyStore: JwksKeyStore,
    @Inject(BEARER_STRATEGY_NAME) strategyName: string,
  ) {
    const tokenTypes = (options.tokenTypes ?? ['at+jwt']).map((typ) => mediaTypeOf(typ)!);
    const typeRule = `token type must be ${tokenTypes.join(' or ')}`;
    super({
      strategyName,
      // The guard's own parser (the token it caches by is the token verified here), RFC 6750 §2.1
      // exactly: passport-jwt's own extractor takes the first word after the scheme and ignores
      // whatever follows.
      jwtFromRequest: strictBearerToken,
      ignoreExpiration: false,
      // jsonwebtoken checks alg against this list too; the key provider narrows it per key.
      algorithms: [...ASYMMETRIC_ALGORITHMS],
      jsonWebTokenOptions: { clockTolerance: options.clockToleranceSeconds ?? 30 },
      secretOrKeyProvider: (_request: unknown, rawToken: string, done: (error: unknown, key?: string) => void) => {
        const header = decodeJwtSegment(rawToken, 0);
        if (!header) return done(new InvalidToken('malformed token'));
        if (!tokenTypes.includes(mediaTypeOf(header.typ)!)) return done(new InvalidToken(typeRule));
        const alg = typeof header.alg === 'string' ? header.alg : '';
        const kid = typeof header.kid === 'string' ? header.kid : undefined;
        keyStore
          .algorithms()
          .then((allowed) => {
            if (!allowed.includes(alg)) throw new InvalidToken('the token algorithm is not accepted');
            return keyStore.getKey(kid, alg);
          })
          .then(
            // A KeyObject: jsonwebtoken then refuses HMAC algorithms with it (no alg confusion).
            (key) => done(null, key as unknown as string),
            (error: unknown) =>
              done(
                error instanceof InvalidToken
                  ? error
                  : error instanceof UnknownSigningKey
                    ? new InvalidToken(`token signed by an unknown key`)
                    : new TemporarilyUnavailable('the issuer keys cannot be fetched right now'),
              ),
          );
      },
    });
    this.classify = options.tokenKind ?? TokenKinds.rfc9068;
    this.issuer = options.issuer;
    this.audience = options.audience;
  }

  /** Claims whose signature, `exp` and `nbf` jsonwebtoken has checked. */
  validate(claims: AccessTokenClaims): Principal {
    if (claims.iss !== this.issuer) throw new InvalidToken('the access token is from another issuer');
    const audiences = Array.isArray(claims.aud) ? claims.aud : [claims.aud];
    if (!audiences.includes(this.audience)) throw new InvalidToken('the access token is not for this audience');
    if (typeof claims.exp !== 'number') throw new InvalidToken('token has no exp');
    if (typeof claims.sub !== 'string' || clientIdOf(claims) === undefined) {
      throw new InvalidToken('token lacks sub or client_id');
    }
    return principalFromClaims(claims, this.classify);
  }
}
