import { Inject, Injectable } from '@nestjs/common';
import { PassportStrategy } from '@nestjs/passport';
import { Strategy } from 'passport-jwt';
import { InvalidToken, TemporarilyUnavailable } from '../errors/oauth.errors';
import { RESOURCE_SERVER_AUTH_OPTIONS, ResourceServerAuthOptions } from './auth.options';
import { strictBearerToken } from './bearer-credentials';
import { JwksKeyStore, UnknownSigningKey } from './jwks-key-store';
import { AccessTokenClaims, Principal, principalFromClaims } from './principal';

export const BEARER_STRATEGY = 'oauth-bearer';

/** RFC 9068 §4: the JWT header must say it is an access token. */
function isAccessTokenType(typ: unknown): boolean {
  return typeof typ === 'string' && /^(application\/)?at\+jwt$/i.test(typ);
}

function decodeHeader(token: string): Record<string, unknown> | null {
  try {
    const header: unknown = JSON.parse(Buffer.from(token.split('.')[0] ?? '', 'base64url').toString('utf8'));
    return header && typeof header === 'object' ? (header as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

/**
 * passport-jwt with the issuer's JWKS: algorithms pinned to the asymmetric ones the issuer
 * announces, `iss`/`aud` pinned, `exp` required, small clock tolerance, `typ: at+jwt` required.
 */
@Injectable()
export class BearerTokenStrategy extends PassportStrategy(Strategy, BEARER_STRATEGY) {
  constructor(
    @Inject(RESOURCE_SERVER_AUTH_OPTIONS) options: ResourceServerAuthOptions,
    keyStore: JwksKeyStore,
  ) {
    super({
      // RFC 6750 §2.1 exactly, as the guard reads it (passport-jwt's own extractor takes the first
      // word after the scheme and ignores whatever follows).
      jwtFromRequest: strictBearerToken,
      ignoreExpiration: false,
      issuer: options.issuer,
      audience: options.audience,
      // jsonwebtoken checks alg against this list too; the key provider narrows it per key.
      algorithms: ['ES256', 'ES384', 'ES512', 'RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512'],
      jsonWebTokenOptions: { clockTolerance: options.clockToleranceSeconds ?? 30 },
      secretOrKeyProvider: (_request: unknown, rawToken: string, done: (error: unknown, key?: string) => void) => {
        const header = decodeHeader(rawToken);
        if (!header) return done(new InvalidToken('malformed token'));
        if (!isAccessTokenType(header.typ)) return done(new InvalidToken('token type must be at+jwt'));
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
  }

  validate(claims: AccessTokenClaims): Principal {
    if (typeof claims.exp !== 'number') throw new InvalidToken('token has no exp');
    if (typeof claims.sub !== 'string' || typeof claims.client_id !== 'string') {
      throw new InvalidToken('token lacks sub or client_id');
    }
    return principalFromClaims(claims);
  }
}
