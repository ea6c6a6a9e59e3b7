import { InvalidGrant, InvalidRequest, InvalidScope, InvalidTarget, UnauthorizedClient } from '@nest-oauth-m2m/auth';
import { Inject, Injectable } from '@nestjs/common';
import { ConfigType } from '@nestjs/config';
import { InjectDataSource } from '@nestjs/typeorm';
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { DataSource, EntityManager } from 'typeorm';
import type { ClientEntity } from '../clients/client.entity';
import { authServerConfig } from '../config/auth-server.config';
import { GrantScopePolicy, LoginNoLongerGranted } from '../grant-scopes/grant-scope.policy';
import { AccessTokenService } from '../token/access-token.service';
import { revokeGrant } from '../revocation/revoked-grants';
import { UsersService } from '../users/users.service';
import { verifyCodeVerifier } from './pkce';

export const CODE_LIFETIME_SECONDS = 60;
/**
 * Idle lifetime of one refresh token: unused this long, the login ends. Each rotation starts a new
 * one, but never past the login's absolute lifetime (REFRESH_TOKEN_ABSOLUTE_TTL, from auth_time).
 */
export const REFRESH_TOKEN_LIFETIME_SECONDS = 8 * 3600;

export interface UserTokenResponse {
  access_token: string;
  token_type: 'Bearer';
  expires_in: number;
  scope: string;
  refresh_token: string;
}

interface CodeRow {
  client_id: string;
  user_id: string;
  redirect_uri: string;
  code_challenge: string;
  scope: string;
  /** Chosen at the authorization endpoint; null on codes from before resources (the client's first audience). */
  audience: string | null;
  auth_time: Date;
  expires_at: Date;
  consumed_at: Date | null;
}

interface RefreshRow {
  id: string;
  family_id: string;
  client_id: string;
  user_id: string;
  scope: string;
  audience: string | null;
  auth_time: Date;
  expires_at: Date;
  revoked_at: Date | null;
  replaced_by: string | null;
  created_at: Date;
}

type GrantRefusal = InvalidGrant | InvalidScope | InvalidTarget;

function unwrap<T>(result: T | GrantRefusal): T {
  if (result instanceof InvalidGrant || result instanceof InvalidScope || result instanceof InvalidTarget) throw result;
  return result;
}

/** The policy's refusals, returned rather than thrown inside a transaction (see exchangeCode); anything else is thrown. */
function asRefusal(error: unknown): GrantRefusal {
  if (error instanceof InvalidGrant || error instanceof InvalidScope || error instanceof InvalidTarget) return error;
  throw error;
}

/** Codes and refresh tokens are random; only their SHA-256 is stored. */
const sha256 = (value: string) => createHash('sha256').update(value).digest();
const newSecretToken = () => randomBytes(32).toString('base64url');

/**
 * The end-user side of the token endpoint: authorization codes (single use, bound to client,
 * redirect URI and PKCE challenge) and refresh tokens (rotated on every use; reuse revokes the family).
 */
@Injectable()
export class UserGrantsService {
  private readonly absoluteLifetimeMs: number;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly accessTokens: AccessTokenService,
    private readonly users: UsersService,
    private readonly scopePolicy: GrantScopePolicy,
    @Inject(authServerConfig.KEY) config: ConfigType<typeof authServerConfig>,
  ) {
    this.absoluteLifetimeMs = config.refreshTokenAbsoluteTtlSeconds * 1000;
  }

  async createCode(input: {
    clientId: string;
    userId: string;
    redirectUri: string;
    codeChallenge: string;
    scope: string;
    audience: string;
    authTime: Date;
  }): Promise<string> {
    const code = newSecretToken();
    await this.dataSource.query(
      `INSERT INTO authorization_codes (code_hash, client_id, user_id, redirect_uri, code_challenge, scope, audience, auth_time, expires_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, now() + make_interval(secs => $9))`,
      [sha256(code), input.clientId, input.userId, input.redirectUri, input.codeChallenge, input.scope, input.audience, input.authTime, CODE_LIFETIME_SECONDS],
    );
    if (Math.random() < 0.02) {
      await this.dataSource.query(`DELETE FROM authorization_codes WHERE expires_at < now() - interval '1 hour'`);
    }
    return code;
  }

  /** grant_type=authorization_code (RFC 6749 §4.1.3 with RFC 7636 §4.5). */
  async exchangeCode(
    client: ClientEntity,
    code: string,
    redirectUri: string | undefined,
    verifier: string | undefined,
    resource?: string,
  ): Promise<UserTokenResponse> {
    if (!verifier) throw new InvalidRequest('missing required parameter "code_verifier"');
    if (!redirectUri) throw new InvalidRequest('missing required parameter "redirect_uri"');
    // Failures are returned, not thrown, inside the transaction: burning the code and revoking
    // what a replayed code produced must commit even though the request fails.
    return unwrap(await this.dataSource.transaction(async (manager): Promise<UserTokenResponse | GrantRefusal> => {
      const codeHash = sha256(code);
      const rows: CodeRow[] = await manager.query(
        `SELECT client_id, user_id, redirect_uri, code_challenge, scope, audience, auth_time, expires_at, consumed_at
           FROM authorization_codes WHERE code_hash = $1 FOR UPDATE`,
        [codeHash],
      );
      const row = rows[0];
      if (!row || row.client_id !== client.clientId) return new InvalidGrant('invalid authorization code');
      if (row.consumed_at) {
        // A code used twice was probably stolen: revoke what it produced (RFC 6749 §4.1.2): the grant it
        // started, i.e. every refresh token of that family (rotated ones too) and its access tokens.
        const families: { family_id: string }[] = await manager.query(
          `SELECT DISTINCT family_id FROM refresh_tokens WHERE code_hash = $1`,
          [codeHash],
        );
        for (const { family_id } of families) await revokeGrant(manager, family_id, row.client_id);
        return new InvalidGrant('authorization code already used');
      }
      // One attempt per code, successful or not: a verifier cannot be guessed by retrying.
      await manager.query(`UPDATE authorization_codes SET consumed_at = now() WHERE code_hash = $1`, [codeHash]);
      if (row.expires_at.getTime() <= Date.now()) return new InvalidGrant('authorization code expired');
      // A code issued before the client was disabled died with its other grants.
      if (client.tokensRevokedBefore && row.expires_at.getTime() - CODE_LIFETIME_SECONDS * 1000 <= client.tokensRevokedBefore.getTime()) {
        return new InvalidGrant('authorization code was revoked when the client was disabled');
      }
      if (row.redirect_uri !== redirectUri) return new InvalidGrant('redirect_uri does not match the authorization request');
      if (!verifyCodeVerifier(verifier, row.code_challenge)) return new InvalidGrant('code_verifier does not match the code challenge');
      // The scopes chosen at sign-in that are still granted and defined (a scope may go within the code's minute).
      const access = await this.scopePolicy.continueLogin(client, { audience: row.audience, scopes: row.scope.split(' ') }, { resource }).catch(asRefusal);
      if (access instanceof Error) return access;
      return this.issue(manager, client, row.user_id, access.scopes.join(' '), access.audience, row.auth_time, randomUUID(), codeHash);
    }));
  }

  /** grant_type=refresh_token: rotation on every use; reuse of a rotated token revokes the whole family. */
  async refresh(client: ClientEntity, refreshToken: string, requestedScope: string | undefined, resource?: string): Promise<UserTokenResponse> {
    return unwrap(await this.dataSource.transaction(async (manager): Promise<UserTokenResponse | GrantRefusal> => {
      const rows: RefreshRow[] = await manager.query(
        `SELECT id, family_id, client_id, user_id, scope, audience, auth_time, expires_at, revoked_at, replaced_by, created_at
           FROM refresh_tokens WHERE token_hash = $1 FOR UPDATE`,
        [sha256(refreshToken)],
      );
      const row = rows[0];
      if (!row || row.client_id !== client.clientId) return new InvalidGrant('invalid refresh token');
      if (row.replaced_by || row.revoked_at) {
        if (row.replaced_by) {
          // A rotated token came back: someone holds a copy. Revoke the whole family and the access
          // tokens issued from it (RFC 9700 §4.14.2).
          await revokeGrant(manager, row.family_id, row.client_id);
        }
        return new InvalidGrant('refresh token is no longer valid');
      }
      if (row.expires_at.getTime() <= Date.now()) return new InvalidGrant('refresh token expired');
      // Disabling the client revoked its logins; enabling it again does not bring them back.
      if (client.tokensRevokedBefore && row.created_at <= client.tokensRevokedBefore) {
        return new InvalidGrant('refresh token was revoked when the client was disabled');
      }
      // Checked here too, not only when the token was issued: REFRESH_TOKEN_ABSOLUTE_TTL may have been shortened since.
      if (row.auth_time.getTime() + this.absoluteLifetimeMs <= Date.now()) {
        return new InvalidGrant('the login reached its absolute lifetime: sign in again');
      }
      // What the client is granted now AND the API defines now, of the login's scopes (the family keeps
      // the original grant: a scope given back returns at the next refresh).
      const access = await this.scopePolicy
        .continueLogin(client, { audience: row.audience, scopes: row.scope.split(' ') }, { resource, scope: requestedScope })
        .catch(asRefusal);
      if (access instanceof LoginNoLongerGranted) {
        // Nothing of the login is left: it ends for good. Revoked, the family stays dead even if the
        // scopes are given back (the user signs in again and sees what they consent to).
        await revokeGrant(manager, row.family_id, row.client_id);
        return access;
      }
      if (access instanceof Error) return access;
      const { audience } = access;
      const scope = access.scopes.join(' ');
      const issued = await this.issue(manager, client, row.user_id, scope, audience, row.auth_time, row.family_id, null, row.scope);
      if (issued instanceof InvalidGrant) return issued;
      await manager.query(`UPDATE refresh_tokens SET replaced_by = (SELECT id FROM refresh_tokens WHERE token_hash = $2) WHERE id = $1`, [
        row.id,
        sha256(issued.refresh_token),
      ]);
      return issued;
    }));
  }

  /**
   * RFC 7009 for refresh tokens: revokes the token's whole family (the login session) and its access
   * tokens. False when the token is not a refresh token of ours; unauthorized_client when it belongs
   * to another client.
   */
  async revokeRefreshToken(client: ClientEntity, refreshToken: string): Promise<boolean> {
    const rows: { client_id: string; family_id: string }[] = await this.dataSource.query(
      `SELECT client_id, family_id FROM refresh_tokens WHERE token_hash = $1`,
      [sha256(refreshToken)],
    );
    const row = rows[0];
    if (!row) return false;
    if (row.client_id !== client.clientId) throw new UnauthorizedClient('the token was not issued to this client');
    // The access tokens of the grant go with it (RFC 7009 §2.1: SHOULD).
    await this.dataSource.transaction((manager) => revokeGrant(manager, row.family_id, row.client_id));
    return true;
  }

  private async issue(
    manager: EntityManager,
    client: ClientEntity,
    userId: string,
    scope: string,
    audience: string,
    authTime: Date,
    familyId: string,
    codeHash: Buffer | null,
    familyScope = scope,
  ): Promise<UserTokenResponse | InvalidGrant> {
    // Returned, not thrown: the caller's transaction still commits (a burnt code stays burnt).
    const user = await this.users.findActive(userId);
    if (!user) return new InvalidGrant('the user is not active');
    // A password reset or a disable since the user authenticated ended this login (a code obtained
    // with the old password, or before the disable, starts nothing afterwards).
    if (user.loginsEndedAt && authTime.getTime() <= user.loginsEndedAt.getTime()) {
      return new InvalidGrant("the user's logins were ended after this sign-in (password set or user disabled): sign in again");
    }
    const access = await this.accessTokens.issue({
      subject: userId,
      clientId: client.clientId,
      audience,
      scopes: scope.split(' ').filter(Boolean),
      authTime: Math.floor(authTime.getTime() / 1000),
      // The family id is the grant id: revoking the family revokes this token (see revokeGrant).
      grantId: familyId,
      user: { username: user.username, displayName: user.displayName },
    });
    const refreshToken = newSecretToken();
    // The idle lifetime, cut at the login's absolute end: rotation never extends a family past it.
    const expiresAt = new Date(Math.min(Date.now() + REFRESH_TOKEN_LIFETIME_SECONDS * 1000, authTime.getTime() + this.absoluteLifetimeMs));
    // The family keeps the scope originally granted, so a narrowed refresh can be widened back to it.
    await manager.query(
      `INSERT INTO refresh_tokens (id, token_hash, family_id, client_id, user_id, scope, audience, auth_time, code_hash, expires_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
      [randomUUID(), sha256(refreshToken), familyId, client.clientId, userId, familyScope, audience, authTime, codeHash, expiresAt],
    );
    return { access_token: access.token, token_type: 'Bearer', expires_in: access.expiresIn, scope, refresh_token: refreshToken };
  }
}
