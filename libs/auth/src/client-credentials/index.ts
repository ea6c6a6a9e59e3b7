// Client side of OAuth 2.0 client credentials: getting tokens and calling other services with them.
export { ClientCredentialsTokenProvider, type TokenProviderStats } from './client-credentials-token-provider';
export type { ClientAuthMethod, ClientCredentialsTokenProviderOptions, TokenExchangeTokenProviderOptions } from './client-credentials.options';
export {
  ACCESS_TOKEN_TYPE,
  TOKEN_EXCHANGE_GRANT_TYPE,
  TokenExchangeTokenProvider,
  type TokenExchangeStats,
  type TokenExchangeTarget,
} from './token-exchange-token-provider';
export { formUrlEncode } from './client-authentication';
export { ClientAssertionSigner, type ClientAssertionAlgorithm, type ClientAssertionOptions } from './client-assertion';
export { cacheKeyOf, InMemoryTokenCache, isCachedToken, refreshAt, type CachedToken, type TokenCache, type TokenCacheLock } from './token-cache';
export { RedisTokenCache, type RedisTokenCacheOptions } from './redis-token-cache';
export {
  ServiceHttpClient,
  type AccessTokenSource,
  type DelegatedServiceHttp,
  type ServiceHttpClientOptions,
  type ServiceRequestInit,
  type ServiceResponse,
} from './service-http-client';
export {
  CLIENT_CREDENTIALS_OPTIONS,
  ClientCredentialsModule,
  type ClientCredentialsModuleAsyncOptions,
  type ClientCredentialsModuleOptions,
} from './client-credentials.module';
export { WorkloadAssertionFile } from './workload-assertion-file';
export {
  ClientAssertionUnavailable,
  type ClientAssertionProblem,
  DownstreamUnavailable,
  InvalidTokenResponse,
  OAuthClientError,
  TokenEndpointError,
  TokenEndpointUnavailable,
  type TokenEndpointErrorDetails,
} from './errors';
export { isInvalidTokenChallenge, parseWwwAuthenticate, type AuthChallenge } from './challenges';
export { tokenFingerprint, type ClientLogger } from './logging';
