import { InvalidClient } from '@nest-oauth-m2m/auth';
import { Injectable } from '@nestjs/common';
import { PassportStrategy } from '@nestjs/passport';
import { BasicStrategy } from 'passport-http';
import type { AuthenticatedClient } from './authenticated-client';
import { parseBasicCredentials } from './basic-credentials';
import { ClientAuthenticationService } from './client-authentication.service';

/**
 * passport-http's BasicStrategy, with its credential parsing replaced: upstream splits on every `:`
 * and does not form-urldecode, which breaks RFC 6749 Appendix B secrets (`+ / = : %`).
 */
class Rfc6749BasicStrategy extends BasicStrategy {
  // Added by passport to each strategy instance it runs (the typings leave them out).
  declare error: (error: unknown) => void;
  declare success: (client: unknown) => void;

  override authenticate(request: { headers: Record<string, string | string[] | undefined> }): void {
    const header = request.headers.authorization;
    const credentials = typeof header === 'string' ? parseBasicCredentials(header) : null;
    if (!credentials) {
      this.error(new InvalidClient('malformed Basic credentials', 'Basic'));
      return;
    }
    const verify = (this as unknown as { _verify: BasicVerify })._verify;
    verify(credentials.clientId, credentials.secret, (error, client) => {
      if (error) this.error(error);
      else if (!client) this.error(new InvalidClient('client authentication failed', 'Basic'));
      else this.success(client);
    });
  }
}

type BasicVerify = (clientId: string, secret: string, done: (error: unknown, client?: unknown) => void) => void;

@Injectable()
export class ClientBasicStrategy extends PassportStrategy(Rfc6749BasicStrategy, 'client-basic') {
  constructor(private readonly authentication: ClientAuthenticationService) {
    super();
  }

  validate(clientId: string, secret: string): Promise<AuthenticatedClient> {
    return this.authentication.authenticateWithSecret(clientId, secret, 'client_secret_basic');
  }
}
