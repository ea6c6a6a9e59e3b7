import { Injectable } from '@nestjs/common';
import { ClientRegistry } from '../clients/client-registry';
import type { IssuedAccessTokenClaims } from '../token/access-token.service';
import { RevocationService } from './revocation.service';
import { issuedBeforeRevocation } from './tokens-revoked-before';

/**
 * Whether a token this server issued (verified: signature, issuer, not expired) is still active: the
 * one rule introspection answers with, and the token exchange applies to its subject token, so a
 * token dead at introspection cannot be exchanged for a live one.
 */
@Injectable()
export class ActiveTokens {
  constructor(
    private readonly revocations: RevocationService,
    private readonly clients: ClientRegistry,
  ) {}

  async isActive(claims: IssuedAccessTokenClaims): Promise<boolean> {
    // Revoked by itself (jti) or with its grant (sid: a login, and every token exchanged from it).
    if (await this.revocations.isRevoked(claims.jti, claims.sid)) return false;
    // A disabled client's tokens are dead, and so are those issued before it was last disabled.
    const issuedTo = await this.clients.find(claims.client_id);
    return !!issuedTo && issuedTo.client.enabled && !issuedBeforeRevocation(claims, issuedTo.client.tokensRevokedBefore);
  }
}
