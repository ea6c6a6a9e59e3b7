import { Public } from '@nest-oauth-m2m/auth';
import { Controller, Post } from '@nestjs/common';
import { AuthenticatedClient, CurrentClient } from '../client-authentication/authenticated-client';
import { ClientAuthenticatedEndpoint } from '../client-authentication/client-authenticated.decorator';
import { ClientRegistry } from '../clients/client-registry';
import { Form } from '../http/form.decorator';
import { FormParams } from '../http/form-params';
import { RevocationService } from '../revocation/revocation.service';
import { issuedBeforeRevocation } from '../revocation/tokens-revoked-before';
import type { ClientEntity } from '../clients/client.entity';
import { IssuedAccessTokenClaims, AccessTokenService } from '../token/access-token.service';

export type IntrospectionResponse =
  | { active: false }
  | {
      active: true;
      scope: string;
      client_id: string;
      token_type: 'Bearer';
      exp: number;
      iat: number;
      sub: string;
      aud: string;
      iss: string;
      jti: string;
    };

function mayIntrospect(caller: ClientEntity, claims: IssuedAccessTokenClaims): boolean {
  if (caller.clientId === claims.client_id) return true;
  const audiences: unknown[] = Array.isArray(claims.aud) ? claims.aud : [claims.aud];
  return audiences.some((audience) => typeof audience === 'string' && caller.ownedAudiences.includes(audience));
}

/**
 * RFC 7662 token introspection, for confidential clients: a token's own client, or the resource server
 * registered as the owner of its audience (`clients create --owns-audience`).
 */
// Outside the bearer guard (deny by default, see AdminAuthModule): client authentication (ClientAuthenticationGuard), not a bearer token.
@Public()
@Controller('oauth')
export class IntrospectionController {
  constructor(
    private readonly tokens: AccessTokenService,
    private readonly revocations: RevocationService,
    private readonly clients: ClientRegistry,
  ) {}

  @Post('introspect')
  // For confidential clients (resource servers), never for apps without a secret (ENDPOINT_AUTH_METHODS).
  @ClientAuthenticatedEndpoint('introspection', {
    summary: 'Introspect a token (RFC 7662)',
    description:
      'For confidential clients: the token\'s own client, or a resource server registered as the owner of the token\'s audience. ' +
      'To any other caller, and for an expired, revoked, foreign or malformed token, the answer is {"active": false}.',
    fields: {
      token: { type: 'string', description: 'The access token.' },
      token_type_hint: { type: 'string', description: 'Ignored (a hint only).' },
    },
    required: ['token'],
    ok: {
      description: 'The token state and, when active, its claims.',
      schema: {
        type: 'object',
        required: ['active'],
        properties: {
          active: { type: 'boolean' },
          scope: { type: 'string' },
          client_id: { type: 'string' },
          token_type: { type: 'string' },
          exp: { type: 'integer' },
          iat: { type: 'integer' },
          sub: { type: 'string' },
          aud: { type: 'string' },
          iss: { type: 'string' },
          jti: { type: 'string' },
        },
      },
    },
  })
  async introspect(@CurrentClient() caller: AuthenticatedClient, @Form() form: FormParams): Promise<IntrospectionResponse> {
    const claims = this.tokens.verify(form.require('token'));
    // Least privilege (RFC 7662 §4): only the token's own client, or the owner of its audience (the
    // resource server it was issued for), learns anything; to everyone else it is simply not active.
    if (!claims || !mayIntrospect(caller.client, claims)) return { active: false };
    if (await this.revocations.isRevoked(claims.jti, claims.sid)) return { active: false };
    // A disabled client's tokens are dead, and so are those issued before it was last disabled.
    const issuedTo = await this.clients.find(claims.client_id);
    if (!issuedTo || !issuedTo.client.enabled || issuedBeforeRevocation(claims, issuedTo.client.tokensRevokedBefore)) return { active: false };
    return {
      active: true,
      scope: claims.scope,
      client_id: claims.client_id,
      token_type: 'Bearer',
      exp: claims.exp,
      iat: claims.iat,
      sub: claims.sub,
      aud: claims.aud,
      iss: claims.iss,
      jti: claims.jti,
    };
  }
}
