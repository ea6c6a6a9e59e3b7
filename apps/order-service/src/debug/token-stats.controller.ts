import { ClientCredentialsTokenProvider, Public, TokenExchangeStats, TokenExchangeTokenProvider, TokenProviderStats } from '@nest-oauth-m2m/auth';
import { Controller, Get } from '@nestjs/common';

/**
 * Development only (not registered in production): how order-service's client-credentials token
 * provider has been doing, so `npm run demo` can show that the second call reused the cached token.
 * Counters only; never a token.
 */
@Controller('debug')
export class TokenStatsController {
  constructor(
    private readonly tokens: ClientCredentialsTokenProvider,
    private readonly delegated: TokenExchangeTokenProvider,
  ) {}

  @Get('service-token')
  @Public()
  stats(): TokenProviderStats {
    return { ...this.tokens.stats };
  }

  /** USER_LOOKUP=token_exchange: tokens exchanged on behalf of users (one per user token, then cached). */
  @Get('delegated-tokens')
  @Public()
  delegatedStats(): TokenExchangeStats & { cached: number } {
    return { ...this.delegated.stats, cached: this.delegated.size };
  }
}
