import { InvalidClient } from '@nest-oauth-m2m/auth';
import { Injectable } from '@nestjs/common';
import { PassportStrategy } from '@nestjs/passport';
import { BasicStrategy } from 'passport-http';
import type { AuthenticatedClient } from './authenticated-client';
import { parseBasicCredentials } from './basic-credentials';
import { ClientAuthenticationService } from './client-authentication.service';

/**
 * client_secret_basic through passport-http's BasicStrategy, used as it is. One thing it cannot do:
 * RFC 6749 §2.3.1 form-urlencodes the client id and secret (Appendix B) before base64, and upstream
 * neither decodes them nor keeps a secret past its first `:`. So `validate` takes the request and reads
 * the credentials again with `parseBasicCredentials`, which does both; upstream's own parse only
 * decides whether the header is Basic credentials at all (ClientBasicGuard maps its refusals).
 */
@Injectable()
export class ClientBasicStrategy extends PassportStrategy(BasicStrategy, 'client-basic') {
  constructor(private readonly authentication: ClientAuthenticationService) {
    super({ passReqToCallback: true });
  }

  validate(request: { headers: Record<string, string | string[] | undefined> }): Promise<AuthenticatedClient> {
    const header = request.headers.authorization;
    const credentials = typeof header === 'string' ? parseBasicCredentials(header) : null;
    if (!credentials) throw new InvalidClient('malformed Basic credentials', 'Basic');
    return this.authentication.authenticateWithSecret(credentials.clientId, credentials.secret, 'client_secret_basic');
  }
}
