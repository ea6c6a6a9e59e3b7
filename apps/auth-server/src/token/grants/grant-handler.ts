import type { UserTokenResponse } from '../../authorization/user-grants.service';
import type { AuthenticatedClient } from '../../client-authentication/authenticated-client';
import type { FormParams } from '../../http/form-params';

/** A token response without a refresh token (client_credentials). */
export interface TokenResponse {
  access_token: string;
  token_type: 'Bearer';
  expires_in: number;
  scope: string;
}

/** RFC 8693 §2.2.1: a token exchange's answer, which names the type of the token issued (no refresh token). */
export interface TokenExchangeResponse extends TokenResponse {
  issued_token_type: string;
}

export type TokenEndpointResponse = TokenResponse | UserTokenResponse | TokenExchangeResponse;

/**
 * One `grant_type` of the token endpoint (RFC 6749 §4). GrantHandlers picks the handler, refuses a
 * client its registration does not allow the grant, and calls `handle` with the authenticated
 * client and the request's form.
 */
export interface GrantHandler {
  readonly grantType: string;
  /** Whether a public client (`none`, no credentials) may use the grant: only grants made for end-user logins. */
  readonly publicClients: boolean;
  handle(caller: AuthenticatedClient, params: FormParams): Promise<TokenEndpointResponse>;
}

/** The registered grants (TokenModule): a new grant is a class added to that list. */
export const GRANT_HANDLERS = Symbol('GRANT_HANDLERS');
