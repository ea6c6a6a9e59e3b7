import { Public, UnauthorizedClient } from '@nest-oauth-m2m/auth';
import { applyDecorators, Controller, Get, Inject, Post, Req, Res } from '@nestjs/common';
import { ConfigType } from '@nestjs/config';
import { ApiOperation, ApiProduces, ApiResponse, ApiSecurity } from '@app/platform';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { AuthenticatedClient, CurrentClient } from '../client-authentication/authenticated-client';
import { ClientAuthenticated, ClientAuthenticatedEndpoint } from '../client-authentication/client-authenticated.decorator';
import { authServerConfig } from '../config/auth-server.config';
import { CLIENT_BASIC_SCHEME, OAUTH_ERROR_SCHEMA } from '../http/api-docs';
import { Form } from '../http/form.decorator';
import { FormParams } from '../http/form-params';
import { RevocationFeed, RevocationFeedService } from './revocation-feed.service';

const FEED_DESCRIPTION =
  'Clients and users whose tokens issued before `not_before` (seconds) are void, and revoked grants (`sid`), for as long as ' +
  'a token they void can live. For confidential clients that own an audience (resource servers).';

/**
 * /oauth/revocations: the revocation feed resource servers poll (libs/auth `revocationFeed`), so a
 * disabled client or user is refused everywhere within the poll interval, without introspection.
 *
 * Not public: it names disabled clients and users. Readable by confidential clients (the
 * `revocation_feed` row of ENDPOINT_AUTH_METHODS, also published in the metadata), and of those only
 * resource servers (clients owning an audience), each with the credentials it already has:
 * - POST, a form as at /oauth/introspect: every confidential method, so a service without a secret
 *   (private_key_jwt, federated_jwt) reads the feed too. "Unchanged since" is the form's
 *   `if_none_match` (the ETag last read), answered 204: a 304 is for GET and HEAD only (RFC 9110
 *   §15.4.5), and the If-None-Match header on a POST would have to be answered 412, a client error in
 *   every access log each poll.
 * - GET, HTTP Basic (client_secret_basic) only, as before: a GET has no form for the other methods.
 *   Kept for the resource servers already polling it; If-None-Match and 304 as HTTP caching means.
 */
// Outside the bearer guard: client authentication (ClientAuthenticationGuard), as at /oauth/introspect.
@Public()
@Controller('oauth')
export class RevocationFeedController {
  constructor(
    private readonly feed: RevocationFeedService,
    @Inject(authServerConfig.KEY) private readonly config: ConfigType<typeof authServerConfig>,
  ) {}

  @Post('revocations')
  @ClientAuthenticatedEndpoint('revocation_feed', {
    summary: 'Revocation feed for resource servers',
    description:
      `${FEED_DESCRIPTION} Poll it with \`if_none_match\` = the ETag of the last answer: 204 without a body while nothing changed.`,
    fields: { if_none_match: { type: 'string', description: 'The ETag of the feed last read (optional).' } },
    required: [],
    ok: {
      description: 'The feed, with an ETag (204: unchanged since `if_none_match`).',
      schema: {
        type: 'object',
        properties: {
          issuer: { type: 'string' },
          clients: { type: 'array', items: { type: 'object', properties: { client_id: { type: 'string' }, not_before: { type: 'integer' } } } },
          users: { type: 'array', items: { type: 'object', properties: { sub: { type: 'string' }, not_before: { type: 'integer' } } } },
          grants: { type: 'array', items: { type: 'string' } },
        },
      },
    },
  })
  @ApiResponse({ status: 204, description: 'Unchanged since the ETag sent as `if_none_match`.' })
  async readFeed(
    @Res({ passthrough: true }) reply: FastifyReply,
    @CurrentClient() caller: AuthenticatedClient,
    @Form() form: FormParams,
  ): Promise<RevocationFeed | undefined> {
    const { body, etag } = await this.snapshotFor(caller);
    reply.header('ETag', etag);
    if (form.get('if_none_match') === etag) {
      reply.status(204);
      return undefined;
    }
    return body;
  }

  @Get('revocations')
  @ApiOperation({
    summary: 'Revocation feed for resource servers (HTTP Basic)',
    description:
      `${FEED_DESCRIPTION} Poll it with If-None-Match: 304 while nothing changed.\n\n` +
      'Client authentication: HTTP Basic (client_secret_basic) only; every other method reads the feed with POST.',
  })
  @applyDecorators(ApiSecurity(CLIENT_BASIC_SCHEME), ApiSecurity({}))
  @ApiProduces('application/json')
  @ApiResponse({ status: 200, description: 'The feed, with an ETag.' })
  @ApiResponse({ status: 304, description: 'Unchanged since the ETag sent in If-None-Match.' })
  @ApiResponse({ status: 400, description: 'unauthorized_client: the caller owns no audience', schema: OAUTH_ERROR_SCHEMA })
  @ApiResponse({ status: 401, description: 'invalid_client: authentication failed', schema: OAUTH_ERROR_SCHEMA })
  @ClientAuthenticated('revocation_feed')
  async revocations(
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
    @CurrentClient() caller: AuthenticatedClient,
  ): Promise<RevocationFeed | undefined> {
    const { body, etag } = await this.snapshotFor(caller);
    // Private to the caller, revalidated on every use: the ETag makes that a 304 without a body.
    reply.header('Cache-Control', 'private, no-cache').header('ETag', etag);
    if (request.headers['if-none-match'] === etag) {
      reply.status(304);
      return undefined;
    }
    return body;
  }

  /** The feed, for a caller that is a resource server: a client that owns no audience has no tokens to refuse. */
  private async snapshotFor(caller: AuthenticatedClient) {
    if (!caller.client.ownedAudiences.length) throw new UnauthorizedClient('only a resource server (a client owning an audience) may read the revocation feed');
    return this.feed.snapshot(this.config.issuer);
  }
}
