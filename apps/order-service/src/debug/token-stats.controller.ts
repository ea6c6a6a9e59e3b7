import { ClientCredentialsTokenProvider, Public, TokenProviderStats } from '@nest-oauth-m2m/auth';
import { Controller, Get } from '@nestjs/common';

/**
 * Development only (not registered in production): how order-service's client-credentials token
 * provider has been doing, so `npm run demo` can show that the second call reused the cached token.
 * Counters only; never a token.
 */
@Controller('debug')
export class TokenStatsController {
  constructor(private readonly tokens: ClientCredentialsTokenProvider) {}

  @Get('service-token')
  @Public()
  stats(): TokenProviderStats {
    return { ...this.tokens.stats };
  }
}
