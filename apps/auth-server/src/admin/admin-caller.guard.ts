import { InsufficientScope, InvalidToken, Principal } from '@nest-oauth-m2m/auth';
import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { ClientRegistry } from '../clients/client-registry';
import { RevocationService } from '../revocation/revocation.service';
import { issuedBeforeRevocation } from '../revocation/tokens-revoked-before';
import { ADMIN_SCOPE } from './admin-scope';

/**
 * After libs/auth's guards (signature, issuer, audience, `admin` scope, service token), what only the
 * registry knows, as introspection checks it: the calling client still exists, is enabled and still
 * allowed `admin`, and this token was neither revoked (RFC 7009) nor issued before the client was last
 * disabled. So a leaked automation credential is shut out by disabling its client, not at token expiry.
 * (A revocation lookup per admin call: the admin API is not a hot path.)
 */
@Injectable()
export class AdminCallerGuard implements CanActivate {
  constructor(
    private readonly registry: ClientRegistry,
    private readonly revocations: RevocationService,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const { clientId, claims } = context.switchToHttp().getRequest<{ user: Principal }>().user;
    const client = (await this.registry.find(clientId))?.client;
    if (!client || !client.enabled || issuedBeforeRevocation(claims, client.tokensRevokedBefore)) {
      throw new InvalidToken('the calling client is disabled, deleted or its tokens were revoked');
    }
    if (!client.allowedScopes.includes(ADMIN_SCOPE)) {
      throw new InsufficientScope('the calling client is no longer allowed the admin scope', [ADMIN_SCOPE]);
    }
    if (await this.revocations.isRevoked(String(claims.jti ?? ''), typeof claims.sid === 'string' ? claims.sid : undefined)) {
      throw new InvalidToken('the access token was revoked');
    }
    return true;
  }
}
