import { InvalidClient, InvalidRequest, OAuthError } from '@nest-oauth-m2m/auth';
import { ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { FastifyRequest } from 'fastify';
import type { ClientRegistry } from '../clients/client-registry';
import { ClientEntity, TokenEndpointAuthMethod } from '../clients/client.entity';
import { AuthenticatedClient, CLIENT_PROPERTY } from './authenticated-client';
import type { ClientAuthenticator, PresentedCredential } from './client-authenticator';
import { ClientAuthenticationGuard } from './client-authentication.guard';
import { AuthenticatedEndpoint, CLIENT_AUTHENTICATED_ENDPOINT } from './endpoint-auth-methods';
import type { ClientAuthThrottle } from './throttling/client-auth-throttle';

/**
 * A method that uses the form field `field`, and authenticates whoever the field names (or refuses
 * when it is "wrong"). The guard's job is choosing among methods, so each method here is trivial.
 */
class FieldAuthenticator implements ClientAuthenticator {
  readonly authenticated: PresentedCredential[] = [];

  constructor(
    readonly method: TokenEndpointAuthMethod,
    private readonly field: string,
  ) {}

  detect(request: FastifyRequest): PresentedCredential | undefined {
    const value = (request.body as Record<string, string>)[this.field];
    return value === undefined ? undefined : { clientId: value };
  }

  async authenticate(credential: PresentedCredential): Promise<AuthenticatedClient> {
    this.authenticated.push(credential);
    if (credential.clientId === 'wrong') throw new InvalidClient('client authentication failed');
    return { client: Object.assign(new ClientEntity(), { clientId: credential.clientId }), method: this.method };
  }
}

describe('ClientAuthenticationGuard', () => {
  let basic: FieldAuthenticator;
  let post: FieldAuthenticator;
  let publicClient: FieldAuthenticator;
  let failures: { error: InvalidClient; clientId: string | undefined }[];
  let guard: ClientAuthenticationGuard;

  beforeEach(() => {
    basic = new FieldAuthenticator('client_secret_basic', 'basic_as');
    post = new FieldAuthenticator('client_secret_post', 'post_as');
    publicClient = new FieldAuthenticator('none', 'client_id');
    failures = [];
    const throttle = {
      failed: async (error: InvalidClient, clientId: string | undefined): Promise<OAuthError> => {
        failures.push({ error, clientId });
        return error;
      },
    };
    const registry = { find: async () => null };
    guard = new ClientAuthenticationGuard(
      [basic, post, publicClient],
      new Reflector(),
      throttle as unknown as ClientAuthThrottle,
      registry as unknown as ClientRegistry,
    );
  });

  function call(endpoint: AuthenticatedEndpoint, body: Record<string, string>) {
    const handler = () => undefined;
    Reflect.defineMetadata(CLIENT_AUTHENTICATED_ENDPOINT, endpoint, handler);
    const request = { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body, ip: '192.0.2.1' } as unknown as FastifyRequest &
      Record<string, AuthenticatedClient | undefined>;
    const context = { getHandler: () => handler, switchToHttp: () => ({ getRequest: () => request }) } as unknown as ExecutionContext;
    return { request, result: guard.canActivate(context) };
  }

  it('authenticates by the one method the request uses and sets the client on the request', async () => {
    const { request, result } = call('token', { post_as: 'svc' });
    await expect(result).resolves.toBe(true);
    expect(request[CLIENT_PROPERTY]).toEqual({ client: expect.objectContaining({ clientId: 'svc' }), method: 'client_secret_post' });
    expect(basic.authenticated).toEqual([]);
    expect(post.authenticated).toEqual([{ clientId: 'svc' }]);
  });

  it('two methods in one request: invalid_request, before any credential is checked', async () => {
    await expect(call('token', { basic_as: 'svc', post_as: 'svc' }).result).rejects.toThrow(
      new InvalidRequest('use exactly one client authentication method'),
    );
    expect([...basic.authenticated, ...post.authenticated]).toEqual([]);
    expect(failures).toEqual([]);
  });

  it('client_id alone is a public client; beside a credential it is not a second method', async () => {
    const alone = call('token', { client_id: 'app' });
    await expect(alone.result).resolves.toBe(true);
    expect(alone.request[CLIENT_PROPERTY]?.method).toBe('none');

    const beside = call('token', { post_as: 'svc', client_id: 'svc' });
    await expect(beside.result).resolves.toBe(true);
    expect(beside.request[CLIENT_PROPERTY]?.method).toBe('client_secret_post');
    expect(publicClient.authenticated).toEqual([{ clientId: 'app' }]);
  });

  it('a client_id naming another client than the one authenticated: invalid_request', async () => {
    await expect(call('token', { basic_as: 'svc', client_id: 'other' }).result).rejects.toThrow(
      new InvalidRequest('client_id does not match the authenticated client'),
    );
  });

  it('no method at all: invalid_client with a Basic challenge, counted as a failure', async () => {
    const refused = call('token', {}).result;
    await expect(refused).rejects.toThrow(new InvalidClient('client authentication required'));
    await expect(refused).rejects.toHaveProperty('challenge', 'Basic');
    expect(failures).toHaveLength(1);
  });

  it('a failed authentication goes through the throttle with the id the credential named', async () => {
    await expect(call('token', { post_as: 'wrong' }).result).rejects.toThrow(new InvalidClient('client authentication failed'));
    expect(failures).toEqual([{ error: expect.any(InvalidClient), clientId: 'wrong' }]);
  });

  it('a method the endpoint does not accept: invalid_client naming it, not counted as a failed authentication', async () => {
    const publicAtIntrospection = call('introspection', { client_id: 'app' });
    await expect(publicAtIntrospection.result).rejects.toThrow(new InvalidClient('public clients may not use the introspection endpoint'));
    // Authenticated, so the metrics still name the client.
    expect(publicAtIntrospection.request[CLIENT_PROPERTY]?.client.clientId).toBe('app');
    expect(failures).toEqual([]);
    await expect(call('revocation', { client_id: 'app' }).result).resolves.toBe(true);
  });

  it('a route without @ClientAuthenticated metadata is a programming error, not an open door', async () => {
    const request = { method: 'POST', headers: {}, body: {} };
    const context = { getHandler: () => () => undefined, switchToHttp: () => ({ getRequest: () => request }) } as unknown as ExecutionContext;
    await expect(guard.canActivate(context)).rejects.toThrow(/needs @ClientAuthenticated/);
  });
});
