import { oauthErrorOf, sendOAuthError } from '@nest-oauth-m2m/auth';
import { ArgumentsHost, Catch, ExceptionFilter, HttpServer, Logger } from '@nestjs/common';
import { appErrorOf } from './app-error';

/**
 * The apps' catch-all filter: OAuth errors (the auth-server's, libs/auth's) as they are, anything else
 * through the apps' fallback policy (appErrorOf), written by libs/auth's one renderer. 5xx are logged
 * by name and message only (a stack or driver error may quote request data), never sent.
 */
@Catch()
export class AppExceptionFilter implements ExceptionFilter {
  private readonly logger = new Logger(AppExceptionFilter.name);

  constructor(
    private readonly adapter: HttpServer,
    private readonly realm: string,
  ) {}

  catch(exception: unknown, host: ArgumentsHost): void {
    const error = oauthErrorOf(exception) ?? appErrorOf(exception);
    if (error.status >= 500) {
      const e = exception as { name?: string; message?: string };
      this.logger.error(`${error.error}: ${e?.name ?? 'Error'}: ${e?.message ?? String(exception)}`);
    }
    sendOAuthError(this.adapter, host.switchToHttp().getResponse(), error, this.realm);
  }
}
