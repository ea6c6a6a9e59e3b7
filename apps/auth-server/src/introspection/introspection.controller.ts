import { InvalidClient } from '@nest-oauth-m2m/auth';
import { Controller, Header, HttpCode, Post, Req, UseGuards } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { AuthenticatedClient, CurrentClient } from '../client-authentication/authenticated-client';
import { ClientAuthenticationGuard } from '../client-authentication/client-authentication.guard';
import { ClientRegistry } from '../clients/client-registry';
import { FormParams } from '../http/form-params';
import { RevocationService } from '../revocation/revocation.service';
import { AccessTokenService } from '../token/access-token.service';
import { ApiClientAuthenticatedForm } from '../http/api-docs';

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

/** RFC 7662 token introspection, for authenticated clients (resource servers). */
@Controller('oauth')
export class IntrospectionController {
  constructor(
    private readonly tokens: AccessTokenService,
    private readonly revocations: RevocationService,
    private readonly clients: ClientRegistry,
  ) {}

  @Post('introspect')
  @ApiClientAuthenticatedForm({
    summary: 'Introspect a token (RFC 7662)',
    description: 'For confidential clients (resource servers). An expired, revoked, foreign or malformed token answers {"active": false}.',
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
  @HttpCode(200)
  @UseGuards(ClientAuthenticationGuard)
  @Header('Cache-Control', 'no-store')
  async introspect(@Req() request: FastifyRequest, @CurrentClient() caller: AuthenticatedClient): Promise<IntrospectionResponse> {
    // Introspection is for confidential clients (resource servers), never for apps without a secret.
    if (caller.method === 'none') throw new InvalidClient('public clients may not introspect tokens');
    const claims = this.tokens.verify(FormParams.of(request).require('token'));
    if (!claims || (await this.revocations.isRevoked(claims.jti))) return { active: false };
    // A token whose client has since been disabled is no longer honoured.
    const issuedTo = await this.clients.find(claims.client_id);
    if (issuedTo && !issuedTo.client.enabled) return { active: false };
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
