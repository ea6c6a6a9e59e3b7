import { DynamicModule, Inject, Logger, Module, ModuleMetadata, OnApplicationShutdown, Provider } from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';
import { OAuthErrorFilter } from '../errors/oauth-error.filter';
import { ClientCredentialsTokenProvider } from './client-credentials-token-provider';
import type { ClientCredentialsTokenProviderOptions } from './client-credentials.options';
import { RedisTokenCache } from './redis-token-cache';
import { ServiceHttpClient, ServiceHttpClientOptions } from './service-http-client';
import { TokenCache } from './token-cache';
import { TokenExchangeTokenProvider } from './token-exchange-token-provider';

export interface ClientCredentialsModuleOptions extends ClientCredentialsTokenProviderOptions {
  /**
   * Shares tokens (and the fetch lock) between replicas through Redis; the caller typically passes
   * `process.env.REDIS_URL`. Ignored when `cache` is given. Without either, tokens live in memory.
   */
  redisUrl?: string;
  /** Options of the exported ServiceHttpClient. */
  http?: Omit<ServiceHttpClientOptions, 'fetch' | 'logger' | 'propagateHeaders' | 'tokenExchange'>;
  /**
   * What `ServiceHttpClient.onBehalfOf(userToken)` (TokenExchangeTokenProvider) asks for on behalf of
   * users: default the same `audience` and `scopes` as the client-credentials token. Usually fewer
   * scopes: only what the client may do for a user there.
   */
  tokenExchange?: { audience?: string; scopes?: string[]; maxCachedTokens?: number };
}

export interface ClientCredentialsModuleAsyncOptions extends Pick<ModuleMetadata, 'imports'> {
  useFactory: (...args: any[]) => ClientCredentialsModuleOptions | Promise<ClientCredentialsModuleOptions>;
  inject?: any[];
  global?: boolean;
}

export const CLIENT_CREDENTIALS_OPTIONS = Symbol('CLIENT_CREDENTIALS_OPTIONS');
const CLIENT_CREDENTIALS_CACHE = Symbol('CLIENT_CREDENTIALS_CACHE');

interface CacheHolder {
  cache?: TokenCache;
  /** Opened by this module, so closed by it. */
  owned?: RedisTokenCache;
}

/**
 * Client credentials for a Nest service: exports ClientCredentialsTokenProvider and
 * ServiceHttpClient for one client/scope/audience. Import it once per downstream API
 * (in the feature module that calls it) when a service calls several.
 */
@Module({})
export class ClientCredentialsModule implements OnApplicationShutdown {
  constructor(@Inject(CLIENT_CREDENTIALS_CACHE) private readonly holder: CacheHolder) {}

  static forRoot(options: ClientCredentialsModuleOptions & { global?: boolean }): DynamicModule {
    const { global, ...rest } = options;
    return ClientCredentialsModule.build([{ provide: CLIENT_CREDENTIALS_OPTIONS, useValue: rest }], [], global);
  }

  static forRootAsync(options: ClientCredentialsModuleAsyncOptions): DynamicModule {
    return ClientCredentialsModule.build(
      [{ provide: CLIENT_CREDENTIALS_OPTIONS, useFactory: options.useFactory, inject: options.inject ?? [] }],
      options.imports ?? [],
      options.global,
    );
  }

  private static build(optionProviders: Provider[], imports: ModuleMetadata['imports'], global?: boolean): DynamicModule {
    return {
      module: ClientCredentialsModule,
      global: global ?? false,
      imports,
      providers: [
        ...optionProviders,
        { provide: APP_FILTER, useClass: OAuthErrorFilter },
        {
          provide: CLIENT_CREDENTIALS_CACHE,
          inject: [CLIENT_CREDENTIALS_OPTIONS],
          useFactory: (options: ClientCredentialsModuleOptions): CacheHolder => {
            if (options.cache) return { cache: options.cache };
            if (options.redisUrl) {
              const redis = new RedisTokenCache({ url: options.redisUrl, logger: new Logger(RedisTokenCache.name) });
              return { cache: redis, owned: redis };
            }
            return {};
          },
        },
        {
          provide: ClientCredentialsTokenProvider,
          inject: [CLIENT_CREDENTIALS_OPTIONS, CLIENT_CREDENTIALS_CACHE],
          useFactory: (options: ClientCredentialsModuleOptions, holder: CacheHolder) => {
            const { redisUrl: _redisUrl, http: _http, tokenExchange: _tokenExchange, ...providerOptions } = options;
            return new ClientCredentialsTokenProvider({ ...providerOptions, cache: holder.cache });
          },
        },
        {
          // Sends nothing until onBehalfOf() is first used; its tokens stay in this process (never in Redis).
          provide: TokenExchangeTokenProvider,
          inject: [CLIENT_CREDENTIALS_OPTIONS],
          useFactory: (options: ClientCredentialsModuleOptions) => {
            const { redisUrl: _redisUrl, http: _http, cache: _cache, tokenExchange, ...providerOptions } = options;
            return new TokenExchangeTokenProvider({
              ...providerOptions,
              audience: tokenExchange?.audience ?? options.audience,
              scopes: tokenExchange?.scopes ?? options.scopes,
              maxCachedTokens: tokenExchange?.maxCachedTokens,
            });
          },
        },
        {
          provide: ServiceHttpClient,
          inject: [ClientCredentialsTokenProvider, TokenExchangeTokenProvider, CLIENT_CREDENTIALS_OPTIONS],
          useFactory: (tokens: ClientCredentialsTokenProvider, tokenExchange: TokenExchangeTokenProvider, options: ClientCredentialsModuleOptions) =>
            new ServiceHttpClient(tokens, {
              ...options.http,
              fetch: options.fetch,
              logger: options.logger,
              propagateHeaders: options.propagateHeaders,
              tokenExchange,
            }),
        },
      ],
      exports: [ClientCredentialsTokenProvider, TokenExchangeTokenProvider, ServiceHttpClient],
      // A failed token endpoint or downstream call answers our caller 503, not 500.
    };
  }

  // After the HTTP server drained (Nest runs shutdown hooks after closing it): in-flight calls may still need the cache.
  async onApplicationShutdown(): Promise<void> {
    await this.holder.owned?.close();
  }
}
