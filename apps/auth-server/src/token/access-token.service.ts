import { Inject, Injectable } from '@nestjs/common';
import { ConfigType } from '@nestjs/config';
import { JwtService } from '@nestjs/jwt';
import type { Jwt } from 'jsonwebtoken';
import { randomUUID } from 'node:crypto';
import { authServerConfig } from '../config/auth-server.config';
import { SigningKeysService } from '../keys/signing-keys.service';
import { signAccessTokenJws } from './compact-jws';
import { SigningThread } from './signing-thread';

/** RFC 8693 §4.1 `act`: the acting party, and the one that acted before it (nested) when a delegated token was exchanged again. */
export interface ActorClaim {
  sub: string;
  act?: ActorClaim;
}

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
  /**
   * User tokens only: the grant (login session, i.e. the refresh-token family) the token was issued
   * from (the registered `sid` claim). Revoking the grant revokes its access tokens at introspection
   * (RFC 7009 §2.1) without storing a row per token. Service tokens never carry it.
   */
  sid?: string;
  /**
   * Admin-API tokens obtained with a client secret only: that secret's id (never the secret), so the
   * token ends when the secret is revoked (AdminCallerGuard). A private claim (RFC 9068 §2.2.3).
   */
  client_secret_id?: string;
  /**
   * User tokens only: who the user is (RFC 9068 §2.2.2 identity claims, named as in OpenID Connect
   * Core §5.1), so a resource server can provision the user's profile just in time without asking back.
   */
  preferred_username?: string;
  name?: string;
  /**
   * Delegated tokens only (token exchange): the client acting on behalf of the user `sub` (the
   * token's `client_id`), nested for each earlier actor.
   */
  act?: ActorClaim;
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
    private readonly jwt: JwtService,
    private readonly signingThread: SigningThread,
    @Inject(authServerConfig.KEY) private readonly config: ConfigType<typeof authServerConfig>,
  ) {}

  async issue(input: {
    subject: string;
    clientId: string;
    audience: string;
    scopes: string[];
    /** Set for user tokens only; service tokens never carry it. */
    authTime?: number;
    /** The grant a user token comes from (user tokens only). */
    grantId?: string;
    /** The client secret the token was obtained with (admin-API tokens only). */
    secretId?: string;
    /** The user's username and display name (user tokens only). */
    user?: { username: string; displayName: string };
    /** Delegated tokens only: the actor chain (token exchange). */
    act?: ActorClaim;
    /** Delegated tokens only: the token ends by then at the latest (seconds; the subject token's `exp`). */
    notAfter?: number;
  }): Promise<IssuedAccessToken> {
    const key = this.keys.signingKey() ?? (await this.keys.requireSigningKey());
    const iat = Math.floor(Date.now() / 1000);
    const expiresIn = input.notAfter === undefined ? this.config.accessTokenTtlSeconds : Math.min(this.config.accessTokenTtlSeconds, input.notAfter - iat);
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
    // User tokens only; the client-credentials hot path skips it without an allocation.
    if (input.grantId !== undefined) claims.sid = input.grantId;
    if (input.secretId !== undefined) claims.client_secret_id = input.secretId;
    if (input.user) {
      claims.preferred_username = input.user.username;
      claims.name = input.user.displayName;
    }
    if (input.act !== undefined) claims.act = input.act;
    // Signed with node:crypto over a header encoded once per key (compact-jws.ts: jsonwebtoken's
    // per-call checks cost ~8 % of the token endpoint), on the signing thread (signing-thread.ts);
    // JwtService keeps the keys and every verification.
    return { token: await signAccessTokenJws(key, claims, this.signingThread), claims, expiresIn };
  }

  /** Claims of a token this server issued and that has not expired; null for anything else. */
  verify(token: string): IssuedAccessTokenClaims | null {
    if (token.length > 16_384) return null;
    try {
      // The key provider picks the published key by kid and refuses any other alg than that key's.
      const { header, payload } = this.jwt.verify<Jwt>(token, {
        complete: true,
        algorithms: ['ES256', 'RS256'],
        issuer: this.config.issuer,
      });
      const claims = payload as IssuedAccessTokenClaims;
      if (header.typ !== 'at+jwt' || typeof claims.exp !== 'number') return null;
      return claims;
    } catch {
      return null;
    }
  }
}
