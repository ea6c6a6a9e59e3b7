import { Inject, Injectable } from '@nestjs/common';
import { ConfigType } from '@nestjs/config';
import { randomUUID } from 'node:crypto';
import { authServerConfig } from '../config/auth-server.config';
import { signCompact, verifyCompact } from '../keys/jws';
import { SigningKeysService } from '../keys/signing-keys.service';

/** RFC 9068 claims of the access tokens this server issues (libs/auth's `AccessTokenClaims` is what a resource server reads). */
export interface IssuedAccessTokenClaims {
  iss: string;
  sub: string;
  aud: string;
  exp: number;
  iat: number;
  jti: string;
  client_id: string;
  scope: string;
  /** User tokens only: when the user authenticated (RFC 9068 §2.2.1). */
  auth_time?: number;
}

export interface IssuedAccessToken {
  token: string;
  claims: IssuedAccessTokenClaims;
  expiresIn: number;
}

/** Signs and (for introspection and revocation) verifies this server's own access tokens. */
@Injectable()
export class AccessTokenService {
  constructor(
    private readonly keys: SigningKeysService,
    @Inject(authServerConfig.KEY) private readonly config: ConfigType<typeof authServerConfig>,
  ) {}

  async issue(input: {
    subject: string;
    clientId: string;
    audience: string;
    scopes: string[];
    /** Set for user tokens only; service tokens never carry it. */
    authTime?: number;
  }): Promise<IssuedAccessToken> {
    const key = this.keys.signingKey() ?? (await this.keys.requireSigningKey());
    const iat = Math.floor(Date.now() / 1000);
    const expiresIn = this.config.accessTokenTtlSeconds;
    const claims: IssuedAccessTokenClaims = {
      iss: this.config.issuer,
      sub: input.subject,
      aud: input.audience,
      exp: iat + expiresIn,
      iat,
      jti: randomUUID(),
      client_id: input.clientId,
      scope: input.scopes.join(' '),
      ...(input.authTime !== undefined ? { auth_time: input.authTime } : {}),
    };
    return { token: signCompact(key.encodedHeader, claims, key.privateKey!, key.alg), claims, expiresIn };
  }

  /** Claims of a token this server issued and that has not expired; null for anything else. */
  verify(token: string): IssuedAccessTokenClaims | null {
    if (token.length > 16_384) return null;
    const parts = token.split('.');
    if (parts.length !== 3) return null;
    try {
      const header = JSON.parse(Buffer.from(parts[0]!, 'base64url').toString('utf8')) as Record<string, unknown>;
      if (header.typ !== 'at+jwt' || typeof header.kid !== 'string') return null;
      const key = this.keys.publishedKey(header.kid);
      if (!key || header.alg !== key.alg || !verifyCompact(token, key.publicKey, key.alg)) return null;
      const claims = JSON.parse(Buffer.from(parts[1]!, 'base64url').toString('utf8')) as IssuedAccessTokenClaims;
      if (claims.iss !== this.config.issuer || typeof claims.exp !== 'number') return null;
      if (claims.exp <= Date.now() / 1000) return null;
      return claims;
    } catch {
      return null;
    }
  }
}
