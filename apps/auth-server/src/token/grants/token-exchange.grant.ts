import { InvalidGrant, InvalidRequest } from '@nest-oauth-m2m/auth';
import { Injectable } from '@nestjs/common';
import type { AuthenticatedClient } from '../../client-authentication/authenticated-client';
import { TOKEN_EXCHANGE_GRANT_TYPE } from '../../clients/client.entity';
import { GrantScopePolicy } from '../../grant-scopes/grant-scope.policy';
import type { FormParams } from '../../http/form-params';
import { ActiveTokens } from '../../revocation/active-tokens';
import { isGrantId } from '../../revocation/revoked-grants';
import { AccessTokenService, ActorClaim, IssuedAccessTokenClaims } from '../access-token.service';
import type { GrantHandler, TokenExchangeResponse } from './grant-handler';

/** RFC 8693 §3: the only token type this server takes as a subject token, and issues. */
export const ACCESS_TOKEN_TYPE = 'urn:ietf:params:oauth:token-type:access_token';

/**
 * How many actors a delegated token may name (its `act` chain): each exchange adds one, so a chain of
 * services passing a user's request on stays well within this, while a loop of exchanges cannot grow
 * a token without bound.
 */
export const MAX_DELEGATION_DEPTH = 5;

/**
 * Token exchange (RFC 8693) in delegation mode: a service that received a user's access token (the
 * subject token, issued for an API it serves) gets one for another API, acting on the user's behalf.
 * The issued token names the user as `sub` and the service as `act.sub` (and `client_id`); where it
 * may go and with which scopes is the client's delegation grants' (GrantScopePolicy.decideDelegation).
 * Impersonation (a token without `act`) and actor tokens are not offered: the authenticated client
 * is the actor, always named.
 *
 * The exchanged token keeps the subject token's `sid`, so revoking the user's login (the grant) voids
 * it too, at introspection and in the revocation feed; it never outlives the subject token.
 */
@Injectable()
export class TokenExchangeGrant implements GrantHandler {
  readonly grantType = TOKEN_EXCHANGE_GRANT_TYPE;
  // The actor must be authenticated: a public client could be anyone holding a user's token.
  readonly publicClients = false;

  constructor(
    private readonly tokens: AccessTokenService,
    private readonly activeTokens: ActiveTokens,
    private readonly scopePolicy: GrantScopePolicy,
  ) {}

  async handle({ client }: AuthenticatedClient, params: FormParams): Promise<TokenExchangeResponse> {
    if (params.has('actor_token') || params.has('actor_token_type')) {
      throw new InvalidRequest('actor_token is not supported: the authenticated client is the actor');
    }
    const subjectToken = params.require('subject_token');
    if (params.require('subject_token_type') !== ACCESS_TOKEN_TYPE) throw new InvalidRequest(`subject_token_type must be ${ACCESS_TOKEN_TYPE}`);
    const requestedType = params.get('requested_token_type');
    if (requestedType !== undefined && requestedType !== ACCESS_TOKEN_TYPE) throw new InvalidRequest(`requested_token_type must be ${ACCESS_TOKEN_TYPE}`);

    const subject = await this.userTokenFor(client.ownedAudiences, subjectToken);
    const access = await this.scopePolicy.decideDelegation(
      client,
      { audience: subject.aud, scopes: subject.scope.split(' ').filter(Boolean) },
      { resource: params.get('resource'), audience: params.get('audience'), scope: params.get('scope') },
    );
    const act: ActorClaim = subject.act ? { sub: client.clientId, act: subject.act } : { sub: client.clientId };
    const issued = await this.tokens.issue({
      subject: subject.sub,
      clientId: client.clientId,
      audience: access.audience,
      scopes: access.scopes,
      authTime: typeof subject.auth_time === 'number' ? subject.auth_time : undefined,
      grantId: subject.sid,
      user: typeof subject.preferred_username === 'string' && typeof subject.name === 'string' ? { username: subject.preferred_username, displayName: subject.name } : undefined,
      act,
      notAfter: subject.exp,
    });
    return { access_token: issued.token, issued_token_type: ACCESS_TOKEN_TYPE, token_type: 'Bearer', expires_in: issued.expiresIn, scope: issued.claims.scope };
  }

  /**
   * The subject token's claims once it is a user's access token from this server that is active now
   * (the rule introspection applies) and was issued for an API this client serves: a user token meant
   * for another API cannot be exchanged by a client that merely got hold of it. Anything else is
   * invalid_grant (RFC 8693 §2.2.2), without saying more than introspection would.
   */
  private async userTokenFor(ownedAudiences: string[], token: string): Promise<IssuedAccessTokenClaims & { sid: string }> {
    const claims = this.tokens.verify(token);
    if (!claims || !(await this.activeTokens.isActive(claims))) throw new InvalidGrant('subject_token is not an active access token of this server');
    // A user token comes from a login (its grant is `sid`); a service's client-credentials token has none.
    if (!isGrantId(claims.sid) || typeof claims.sub !== 'string' || claims.sub === claims.client_id) {
      throw new InvalidGrant("subject_token is not a user's token: a service acts on its own behalf with client_credentials");
    }
    if (typeof claims.aud !== 'string' || !ownedAudiences.includes(claims.aud)) {
      throw new InvalidGrant('subject_token was not issued for an API this client serves');
    }
    if (typeof claims.scope !== 'string') throw new InvalidGrant('subject_token carries no scope');
    if (depth(claims.act) >= MAX_DELEGATION_DEPTH) throw new InvalidGrant(`subject_token was already delegated ${MAX_DELEGATION_DEPTH} times`);
    return claims as IssuedAccessTokenClaims & { sid: string };
  }
}

/** How many actors an `act` chain names; a malformed one (not signed by this server) counts as too deep. */
function depth(act: unknown): number {
  let count = 0;
  for (let link = act; link !== undefined; link = (link as ActorClaim).act) {
    if (typeof link !== 'object' || link === null || typeof (link as ActorClaim).sub !== 'string') return Number.POSITIVE_INFINITY;
    count += 1;
  }
  return count;
}
