import { ArgumentsHost, Catch, ExceptionFilter, Inject, Injectable, Logger, Optional } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { OAuthClientError } from '../client-credentials/errors';
import { RESOURCE_SERVER_AUTH_OPTIONS, ResourceServerAuthOptions } from '../resource-server/auth.options';
import { OAuthError } from './oauth.errors';
import { oauthErrorOf, sendOAuthError } from './oauth-error.response';

/**
 * Renders this package's errors, and only those: RFC 6750 errors of the guards (401 invalid_token,
 * 403 insufficient_scope, 400 invalid_request) and 503 for a failed token endpoint or downstream
 * service. AuthModule and ClientCredentialsModule register it themselves (APP_FILTER), so `forRoot`
 * is enough on Express and on Fastify. Everything else goes on to the app's own filters or Nest's
 * default one. Nothing but the RFC body reaches the client: no stack, no upstream detail.
 */
@Catch(OAuthError, OAuthClientError)
@Injectable()
export class OAuthErrorFilter implements ExceptionFilter {
  private readonly logger = new Logger(OAuthErrorFilter.name);
  private readonly realm?: string;

  constructor(
    private readonly adapterHost: HttpAdapterHost,
    // `realm` of the challenges (optional, RFC 6750 §3), from AuthModule's options where there are some.
    @Optional() @Inject(RESOURCE_SERVER_AUTH_OPTIONS) options?: Pick<ResourceServerAuthOptions, 'realm'>,
  ) {
    this.realm = options?.realm;
  }

  catch(exception: OAuthError | OAuthClientError, host: ArgumentsHost): void {
    const error = oauthErrorOf(exception)!;
    // Message and name only: a stack may quote request data.
    if (error.status >= 500) this.logger.error(`${error.error}: ${exception.name}: ${exception.message}`);
    sendOAuthError(this.adapterHost.httpAdapter, host.switchToHttp().getResponse(), error, this.realm);
  }
}
