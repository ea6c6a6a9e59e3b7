import { ClientCredentialsTokenProvider, Public, TokenExchangeStats, TokenExchangeTokenProvider, TokenProviderStats } from '@nest-oauth-m2m/auth';
import { Controller, Get } from '@nestjs/common';

/**
 * Development only (not registered in production): how order-service's token providers have been
 * doing, so `npm run demo` can show that the second call reused the cached token, and the benchmark
 * can count the token requests of a run. Counters only; never a token.
 */
@Controller('debug')
export class TokenStatsController {
  constructor(
    private readonly tokens: ClientCredentialsTokenProvider,
    private readonly exchanges: TokenExchangeTokenProvider,
  ) {}

  /** Its own (client-credentials) token. */
  @Get('service-token')
  @Public()
  stats(): TokenProviderStats {
    return { ...this.tokens.stats };
  }

  /** The tokens exchanged for users' (USER_LOOKUP=token_exchange): one fetch per user token and audience, then hits. */
  @Get('token-exchange')
  @Public()
  exchangeStats(): TokenExchangeStats {
    return { ...this.exchanges.stats };
  }
}
