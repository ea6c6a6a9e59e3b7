import { OAuthError, Principal, sendOAuthError } from '@nest-oauth-m2m/auth';
import { ArgumentsHost, Catch, ExceptionFilter, Injectable } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { FastifyRequest } from 'fastify';
import { AuditLog } from '../audit/audit-log';
import { RegistrationError } from '../audit/registration-error';

const ANSWERS: Record<RegistrationError['reason'], { status: number; error: string }> = {
  invalid: { status: 400, error: 'invalid_request' },
  not_found: { status: 404, error: 'not_found' },
  conflict: { status: 409, error: 'conflict' },
};

/** A registry refusal as the admin API answers it, in the RFC 6749 §5.2 error shape. */
class RegistryRefusal extends OAuthError {
  readonly status: number;
  readonly error: string;
  constructor(refusal: RegistrationError) {
    super(refusal.message);
    ({ status: this.status, error: this.error } = ANSWERS[refusal.reason] ?? ANSWERS.invalid);
  }
}

/**
 * Every refused admin call: the services' RegistrationError as 400 / 404 / 409 (the CLI prints the same
 * errors, exit 1), and the guards' and body checks' OAuth errors (401, 403, 400) as libs/auth writes
 * them. Each is also an audit event (`admin.refused`) with its outcome, so an operator sees a disabled
 * or revoked caller, or one without the scope, knocking, not only an access-log line. The route is
 * named by its pattern, never by the raw path (it may hold anything the caller sent).
 */
@Catch(RegistrationError, OAuthError)
@Injectable()
export class RegistrationErrorFilter implements ExceptionFilter {
  constructor(
    private readonly adapterHost: HttpAdapterHost,
    private readonly audit: AuditLog,
  ) {}

  catch(exception: RegistrationError | OAuthError, host: ArgumentsHost): void {
    const refusal = exception instanceof RegistrationError ? new RegistryRefusal(exception) : exception;
    const request = host.switchToHttp().getRequest<FastifyRequest & { user?: Principal }>();
    this.audit.record({
      action: 'admin.refused',
      target: { type: 'admin-api', id: `${request.method} ${request.routeOptions?.url ?? 'unknown route'}` },
      actor: { kind: 'admin-api', id: request.user?.clientId ?? 'unauthenticated' },
      changes: { outcome: 'refused', status: refusal.status, error: refusal.error, error_description: refusal.message },
    });
    sendOAuthError(this.adapterHost.httpAdapter, host.switchToHttp().getResponse(), refusal, 'auth-server');
  }
}
