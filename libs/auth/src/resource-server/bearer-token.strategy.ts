import { Inject, Injectable } from '@nestjs/common';
import { PassportStrategy } from '@nestjs/passport';
import { ExtractJwt, Strategy } from 'passport-jwt';
import { InvalidToken, TemporarilyUnavailable } from '../errors/oauth.errors';
import { decodeJwtSegment } from '../jwt';
import { ASYMMETRIC_ALGORITHMS, RESOURCE_SERVER_AUTH_OPTIONS, ResourceServerAuthOptions } from './auth.options';
import { JwksKeyStore, UnknownSigningKey } from './jwks-key-store';
import { AccessTokenClaims, clientIdOf, Principal, principalFromClaims, TokenKindClassifier, TokenKinds } from './principal';

/** RFC 9068 §4: the header's `typ`, without an `application/` prefix, lower case (RFC 7515 §4.1.9). */
function mediaTypeOf(typ: unknown): string | undefined {
  return typeof typ === 'string' ? typ.toLowerCase().replace(/^application\//, '') : undefined;
}

/**
 * passport-jwt with the issuer's JWKS: algorithms pinned to the asymmetric ones the issuer
 * announces, `iss`/`aud` pinned, `exp` required, small clock tolerance, `typ: at+jwt` required.
 */
@Injectable()
export class BearerTokenStrategy extends PassportStrategy(Strategy, 'oauth-bearer') {
  private readonly classify: TokenKindClassifier;

  constructor(
    @Inject(RESOURCE_SERVER_AUTH_OPTIONS) options: ResourceServerAuthOptions,
    keyStore: JwksKeyStore,
  ) {
    const tokenTypes = (options.tokenTypes ?? ['at+jwt']).map((typ) => mediaTypeOf(typ)!);
    const typeRule = `token type must be ${tokenTypes.join(' or ')}`;
    super({
      jwtFromRequest: ExtractJwt.fromAuthHeaderAsBearerToken(),
      ignoreExpiration: false,
      issuer: options.issuer,
      audience: options.audience,
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
  }

  validate(claims: AccessTokenClaims): Principal {
    if (typeof claims.exp !== 'number') throw new InvalidToken('token has no exp');
    if (typeof claims.sub !== 'string' || clientIdOf(claims) === undefined) {
      throw new InvalidToken('token lacks sub or client_id');
    }
    return principalFromClaims(claims, this.classify);
  }
}
