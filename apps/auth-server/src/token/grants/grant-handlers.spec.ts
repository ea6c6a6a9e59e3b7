import { UnauthorizedClient, UnsupportedGrantType } from '@nest-oauth-m2m/auth';
import type { AuthenticatedClient } from '../../client-authentication/authenticated-client';
import { ClientEntity, TokenEndpointAuthMethod } from '../../clients/client.entity';
import type { GrantHandler, TokenEndpointResponse } from './grant-handler';
import { GrantHandlers } from './grant-handlers';

function grant(grantType: string, publicClients: boolean): GrantHandler {
  return {
    grantType,
    publicClients,
    handle: async (): Promise<TokenEndpointResponse> => ({ access_token: grantType, token_type: 'Bearer', expires_in: 1, scope: '' }),
  };
}

function caller(method: TokenEndpointAuthMethod, grantTypes: string[]): AuthenticatedClient {
  return { client: Object.assign(new ClientEntity(), { clientId: 'c', grantTypes }), method };
}

describe('GrantHandlers (the token endpoint dispatch)', () => {
  const clientCredentials = grant('client_credentials', false);
  const authorizationCode = grant('authorization_code', true);
  const grants = new GrantHandlers([clientCredentials, authorizationCode]);

  it('picks the handler registered for the grant_type', () => {
    const service = caller('client_secret_basic', ['client_credentials', 'authorization_code']);
    expect(grants.handlerFor('client_credentials', service)).toBe(clientCredentials);
    expect(grants.handlerFor('authorization_code', service)).toBe(authorizationCode);
  });

  it('a grant_type no handler is registered for: unsupported_grant_type', () => {
    expect(() => grants.handlerFor('password', caller('client_secret_basic', ['password']))).toThrow(
      new UnsupportedGrantType('unsupported grant_type "password"'),
    );
  });

  it('a grant the client is not registered for: unauthorized_client', () => {
    expect(() => grants.handlerFor('authorization_code', caller('client_secret_basic', ['client_credentials']))).toThrow(
      new UnauthorizedClient('client is not allowed to use the authorization_code grant'),
    );
  });

  it('a public client only gets grants made for it, whatever its registration says', () => {
    const app = caller('none', ['client_credentials', 'authorization_code']);
    expect(() => grants.handlerFor('client_credentials', app)).toThrow(new UnauthorizedClient('a public client cannot use the client_credentials grant'));
    expect(grants.handlerFor('authorization_code', app)).toBe(authorizationCode);
  });

  it('knows the grant types it has handlers for (the token metrics label by them), each once', () => {
    expect([...grants.grantTypes]).toEqual(['client_credentials', 'authorization_code']);
    expect(() => new GrantHandlers([clientCredentials, grant('client_credentials', true)])).toThrow(/same grant_type/);
  });
});
