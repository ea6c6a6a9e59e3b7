import { InsufficientScope, InvalidToken, Principal, readRouteAuthRequirements } from '@nest-oauth-m2m/auth';
import { CanActivate, ExecutionContext, Inject, Injectable } from '@nestjs/common';
import { ConfigType } from '@nestjs/config';
import { Reflector } from '@nestjs/core';
import { ClientRegistry, RegisteredClient } from '../clients/client-registry';
import { GrantScopePolicy } from '../grant-scopes/grant-scope.policy';
import { RevocationService } from '../revocation/revocation.service';
import { issuedBeforeRevocation } from '../revocation/tokens-revoked-before';
import { adminApiConfig } from './admin-api.config';

/**
 * After libs/auth's guards (signature, issuer, audience, the route's admin scope, service token), what
 * only the registry knows, as introspection checks it: the calling client still exists, is enabled,
 * still is granted the admin audience and the scope the token uses for this route; the secret
 * the token was obtained with (its `client_secret_id`) is still active; and this token was neither
 * revoked (RFC 7009) nor issued before the client was last disabled. So a leaked automation credential
 * is shut out by disabling its client, revoking its secret or narrowing it, not at token expiry.
 * (A revocation lookup per admin call: the admin API is not a hot path.)
 */
@Injectable()
export class AdminCallerGuard implements CanActivate {
  constructor(
    private readonly registry: ClientRegistry,
    private readonly revocations: RevocationService,
    private readonly reflector: Reflector,
    private readonly scopePolicy: GrantScopePolicy,
    @Inject(adminApiConfig.KEY) private readonly adminApi: ConfigType<typeof adminApiConfig>,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const { clientId, claims, scopes } = context.switchToHttp().getRequest<{ user: Principal }>().user;
    const registered = await this.registry.find(clientId);
    const client = registered?.client;
    if (!registered || !client || !client.enabled || issuedBeforeRevocation(claims, client.tokensRevokedBefore)) {
      throw new InvalidToken('the calling client is disabled, deleted or its tokens were revoked');
    }
    if (!this.secretStillActive(registered, claims.client_secret_id)) {
      throw new InvalidToken('the client secret this token was obtained with was revoked');
    }
    // The client's grant at the admin API now (GrantScopePolicy: granted there and defined by the built-in resource).
    const granted = await this.scopePolicy.grantedAt(client, this.adminApi.audience);
    if (!granted.length) {
      throw new InvalidToken('the calling client is no longer granted the admin audience');
    }
    // The route's alternatives (its area scope, or admin) that the token carries and the client still may have.
    const accepted = readRouteAuthRequirements(this.reflector, context.getHandler(), context.getClass()).anyScopes;
    if (!accepted.some((scope) => scopes.includes(scope) && granted.includes(scope))) {
      throw new InsufficientScope(`the calling client is no longer allowed ${accepted.join(' or ')}`, accepted.slice(0, 1));
    }
    if (await this.revocations.isRevoked(String(claims.jti ?? ''), typeof claims.sid === 'string' ? claims.sid : undefined)) {
      throw new InvalidToken('the access token was revoked');
    }
    return true;
  }

  /**
   * A token obtained with a client secret names it; that secret must still be active. A client that
   * authenticates with secrets but whose token names none (issued before this check existed) is refused.
   */
  private secretStillActive(registered: RegisteredClient, secretId: unknown): boolean {
    const { authMethod } = registered.client;
    if (authMethod !== 'client_secret_basic' && authMethod !== 'client_secret_post') return true;
    return typeof secretId === 'string' && this.registry.activeSecrets(registered).some((secret) => secret.id === secretId);
  }
}
