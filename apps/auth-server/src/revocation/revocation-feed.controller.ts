import { Public, UnauthorizedClient } from '@nest-oauth-m2m/auth';
import { applyDecorators, Controller, Get, Inject, Req, Res } from '@nestjs/common';
import { ConfigType } from '@nestjs/config';
import { ApiOperation, ApiProduces, ApiResponse, ApiSecurity } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { AuthenticatedClient, CurrentClient } from '../client-authentication/authenticated-client';
import { ClientAuthenticated } from '../client-authentication/client-authenticated.decorator';
import { authServerConfig } from '../config/auth-server.config';
import { CLIENT_BASIC_SCHEME, OAUTH_ERROR_SCHEMA } from '../http/api-docs';
import { RevocationFeed, RevocationFeedService } from './revocation-feed.service';

/**
 * GET /oauth/revocations: the revocation feed resource servers poll (libs/auth `revocationFeed`), so a
 * disabled client or user is refused everywhere within the poll interval, without introspection.
 *
 * Not public: it names disabled clients and users. Readable by the callers introspection answers,
 * confidential clients, and of those only resource servers (clients owning an audience), each with
 * the credentials it already has.
 */
// Outside the bearer guard: client authentication (ClientAuthenticationGuard), as at /oauth/introspect.
@Public()
@Controller('oauth')
export class RevocationFeedController {
  constructor(
    private readonly feed: RevocationFeedService,
    @Inject(authServerConfig.KEY) private readonly config: ConfigType<typeof authServerConfig>,
  ) {}

  @Get('revocations')
  @ApiOperation({
    summary: 'Revocation feed for resource servers',
    description:
      'Clients and users whose tokens issued before `not_before` (seconds) are void, and revoked grants (`sid`), for as long as ' +
      'a token they void can live. Poll it with If-None-Match: 304 while nothing changed.\n\n' +
      'Client authentication: HTTP Basic (client_secret_basic) of a confidential client that owns an audience (a resource server).',
  })
  @applyDecorators(ApiSecurity(CLIENT_BASIC_SCHEME), ApiSecurity({}))
  @ApiProduces('application/json')
  @ApiResponse({ status: 200, description: 'The feed, with an ETag.' })
  @ApiResponse({ status: 304, description: 'Unchanged since the ETag sent in If-None-Match.' })
  @ApiResponse({ status: 400, description: 'unauthorized_client: the caller owns no audience', schema: OAUTH_ERROR_SCHEMA })
  @ApiResponse({ status: 401, description: 'invalid_client: authentication failed', schema: OAUTH_ERROR_SCHEMA })
  // The callers introspection accepts (confidential clients)...
  @ClientAuthenticated('introspection')
  async revocations(
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
    @CurrentClient() caller: AuthenticatedClient,
  ): Promise<RevocationFeed | undefined> {
    // ...that are resource servers: a client that owns no audience has no tokens to refuse.
    if (!caller.client.ownedAudiences.length) throw new UnauthorizedClient('only a resource server (a client owning an audience) may read the revocation feed');
    const { body, etag } = await this.feed.snapshot(this.config.issuer);
    // Private to the caller, revalidated on every use: the ETag makes that a 304 without a body.
    reply.header('Cache-Control', 'private, no-cache').header('ETag', etag);
    if (request.headers['if-none-match'] === etag) {
      reply.status(304);
      return undefined;
    }
    return body;
  }
}
