import { applyDecorators, Header, HttpCode, SetMetadata, UseGuards } from '@nestjs/common';
import { ApiClientAuthenticatedForm, ClientAuthenticatedFormDocs } from '../http/api-docs';
import { ClientAuthenticationGuard } from './client-authentication.guard';
import { AuthenticatedEndpoint, CLIENT_AUTHENTICATED_ENDPOINT } from './endpoint-auth-methods';

/**
 * The route authenticates its caller as a client (ClientAuthenticationGuard), by the methods
 * `endpoint` accepts (ENDPOINT_AUTH_METHODS); the handler reads it with @CurrentClient().
 */
export const ClientAuthenticated = (endpoint: AuthenticatedEndpoint): MethodDecorator =>
  applyDecorators(SetMetadata(CLIENT_AUTHENTICATED_ENDPOINT, endpoint), UseGuards(ClientAuthenticationGuard));

/**
 * An OAuth endpoint (token, introspection, revocation): an authenticated client POSTs a form
 * (read it with @Form()), and the answer is 200 JSON that no cache may keep (RFC 6749 §5.1).
 */
export function ClientAuthenticatedEndpoint(endpoint: AuthenticatedEndpoint, docs: ClientAuthenticatedFormDocs): MethodDecorator {
  return applyDecorators(
    ClientAuthenticated(endpoint),
    HttpCode(200),
    Header('Cache-Control', 'no-store'),
    Header('Pragma', 'no-cache'),
    ApiClientAuthenticatedForm(docs),
  );
}
