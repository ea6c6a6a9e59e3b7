import { Public } from '@nest-oauth-m2m/auth';
import { Controller, Post } from '@nestjs/common';
import { AuthenticatedClient, CurrentClient } from '../client-authentication/authenticated-client';
import { ClientAuthenticatedEndpoint } from '../client-authentication/client-authenticated.decorator';
import { Form } from '../http/form.decorator';
import { FormParams } from '../http/form-params';
import { ActiveTokens } from '../revocation/active-tokens';
import type { ClientEntity } from '../clients/client.entity';
import { ActorClaim, IssuedAccessTokenClaims, AccessTokenService } from '../token/access-token.service';

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
      /** Delegated tokens (token exchange): who acts on behalf of `sub`, nested for each earlier actor (RFC 8693 §4.1). */
      act?: ActorClaim;
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
    private readonly activeTokens: ActiveTokens,
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
          act: {
            type: 'object',
            description: 'delegated tokens (token exchange, RFC 8693 §4.1): the acting client as `sub`, and the earlier actor in a nested `act`',
            properties: { sub: { type: 'string' }, act: { type: 'object' } },
          },
        },
      },
    },
  })
  async introspect(@CurrentClient() caller: AuthenticatedClient, @Form() form: FormParams): Promise<IntrospectionResponse> {
    const claims = this.tokens.verify(form.require('token'));
    // Least privilege (RFC 7662 §4): only the token's own client, or the owner of its audience (the
    // resource server it was issued for), learns anything; to everyone else it is simply not active.
    if (!claims || !mayIntrospect(caller.client, claims)) return { active: false };
    if (!(await this.activeTokens.isActive(claims))) return { active: false };
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
      ...(claims.act ? { act: claims.act } : {}),
    };
  }
}
