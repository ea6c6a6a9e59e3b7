import { Module } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { captureLogger, LocalHttpServer, startTokenEndpoint } from '../../test/support/local-http-servers';
import { ClientCredentialsTokenProvider } from './client-credentials-token-provider';
import { ClientCredentialsModule, ClientCredentialsModuleOptions } from './client-credentials.module';
import { RedisTokenCache } from './redis-token-cache';
import { ServiceHttpClient } from './service-http-client';
import { InMemoryTokenCache } from './token-cache';
import { TOKEN_EXCHANGE_GRANT_TYPE, TokenExchangeTokenProvider } from './token-exchange-token-provider';

describe('ClientCredentialsModule', () => {
  let endpoint: LocalHttpServer;
  let downstream: LocalHttpServer;

  beforeEach(async () => {
    endpoint = await startTokenEndpoint();
    downstream = await new LocalHttpServer(() => ({ kind: 'respond', status: 200, body: { ok: true } })).start();
  });
  afterEach(async () => {
    await downstream.close();
    await endpoint.close();
  });

  const options = (extra: Partial<ClientCredentialsModuleOptions> = {}): ClientCredentialsModuleOptions => ({
    tokenEndpoint: `${endpoint.url}/oauth/token`,
    issuer: endpoint.url,
    clientId: 'order-service',
    clientSecret: 'secret',
    scopes: ['users:read'],
    audience: 'api://user-service',
    logger: captureLogger().logger,
    ...extra,
  });

  it('forRoot exports a memory-cached provider and a ServiceHttpClient wired to it', async () => {
    const moduleRef = await Test.createTestingModule({
      imports: [ClientCredentialsModule.forRoot(options({ http: { baseUrl: downstream.url } }))],
    }).compile();
    const tokens = moduleRef.get(ClientCredentialsTokenProvider);
    const http = moduleRef.get(ServiceHttpClient);
    expect(tokens.sharedCache).toBeUndefined();
    await expect(http.request('/users/1')).resolves.toMatchObject({ status: 200, body: { ok: true } });
    await expect(tokens.getToken()).resolves.toBe('tok-1');
    expect(downstream.requests[0]!.headers.authorization).toBe('Bearer tok-1');
    expect(endpoint.count).toBe(1);
    await moduleRef.close();
  });

  it('forRootAsync builds the options from injected providers', async () => {
    const SETTINGS = Symbol('SETTINGS');
    @Module({ providers: [{ provide: SETTINGS, useValue: { secret: 'from-config' } }], exports: [SETTINGS] })
    class SettingsModule {}

    const moduleRef = await Test.createTestingModule({
      imports: [
        ClientCredentialsModule.forRootAsync({
          imports: [SettingsModule],
          inject: [SETTINGS],
          useFactory: async (settings: { secret: string }) => options({ clientSecret: settings.secret, authMethod: 'client_secret_post' }),
        }),
      ],
    }).compile();
    await moduleRef.get(ClientCredentialsTokenProvider).getToken();
    expect(endpoint.requests[0]!.form.get('client_secret')).toBe('from-config');
    await moduleRef.close();
  });

  it('redisUrl selects a RedisTokenCache, which is closed when the module is destroyed', async () => {
    // A Redis that is not there: the module must still work (memory path) and still close its connection.
    const moduleRef = await Test.createTestingModule({
      imports: [ClientCredentialsModule.forRoot(options({ redisUrl: 'redis://127.0.0.1:1', cacheTimeoutMs: 200 }))],
    }).compile();
    const tokens = moduleRef.get(ClientCredentialsTokenProvider);
    const cache = tokens.sharedCache;
    expect(cache).toBeInstanceOf(RedisTokenCache);
    const close = jest.spyOn(cache as RedisTokenCache, 'close');
    await expect(tokens.getToken()).resolves.toBe('tok-1');
    await moduleRef.close();
    expect(close).toHaveBeenCalledTimes(1);
  });

  it('uses a cache passed in as is and leaves its lifecycle to the owner', async () => {
    const shared = new InMemoryTokenCache();
    const moduleRef = await Test.createTestingModule({
      imports: [ClientCredentialsModule.forRoot(options({ cache: shared, redisUrl: 'redis://ignored:6379' }))],
    }).compile();
    const tokens = moduleRef.get(ClientCredentialsTokenProvider);
    expect(tokens.sharedCache).toBe(shared);
    expect(tokens.sharedCache).not.toBeInstanceOf(RedisTokenCache);
    await tokens.getToken();
    await expect(shared.get(tokens.cacheKey)).resolves.toMatchObject({ accessToken: 'tok-1' });
    await moduleRef.close();
  });

  it('exports a TokenExchangeTokenProvider behind ServiceHttpClient.onBehalfOf, with the tokenExchange scopes, never in the shared cache', async () => {
    const shared = new InMemoryTokenCache();
    const moduleRef = await Test.createTestingModule({
      imports: [
        ClientCredentialsModule.forRoot(
          options({ scopes: ['users:read', 'users:provision'], cache: shared, tokenExchange: { scopes: ['users:read'] }, http: { baseUrl: downstream.url } }),
        ),
      ],
    }).compile();
    const http = moduleRef.get(ServiceHttpClient);
    await expect(http.onBehalfOf('alice-access-token').request('/users/alice')).resolves.toMatchObject({ status: 200 });
    expect(Object.fromEntries(endpoint.requests[0]!.form)).toMatchObject({
      grant_type: TOKEN_EXCHANGE_GRANT_TYPE,
      subject_token: 'alice-access-token',
      resource: 'api://user-service',
      scope: 'users:read',
    });
    expect(downstream.requests[0]!.headers.authorization).toBe('Bearer tok-1');
    expect(moduleRef.get(TokenExchangeTokenProvider).size).toBe(1);
    expect(shared.size).toBe(0);
    await moduleRef.close();
  });
});
