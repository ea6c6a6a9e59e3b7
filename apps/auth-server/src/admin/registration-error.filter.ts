import { OAuthError, sendOAuthError } from '@nest-oauth-m2m/auth';
import { ArgumentsHost, Catch, ExceptionFilter, Injectable } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
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

/** The services' RegistrationError as 400 / 404 / 409 (the CLI prints the same errors, exit 1). */
@Catch(RegistrationError)
@Injectable()
export class RegistrationErrorFilter implements ExceptionFilter {
  constructor(private readonly adapterHost: HttpAdapterHost) {}

  catch(exception: RegistrationError, host: ArgumentsHost): void {
    sendOAuthError(this.adapterHost.httpAdapter, host.switchToHttp().getResponse(), new RegistryRefusal(exception), 'auth-server');
  }
}
