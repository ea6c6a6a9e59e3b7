import { Controller, Get, Query } from '@nestjs/common';
import { ClientCredentialsTokenProvider, Principal, Public, Scopes, ServiceOnly, UserOnly } from '@nest-oauth-m2m/auth';

@Controller()
export class ThingsController {
  constructor(private readonly tokens: ClientCredentialsTokenProvider) {}

  @Get('health')
  @Public()
  health() {
    return { ok: true };
  }

  @Get('things')
  @Scopes('things:read')
  list(@Principal() caller: Principal) {
    return { kind: caller.kind, subject: caller.subject, clientId: caller.clientId, scopes: caller.scopes };
  }

  @Get('things/for-users')
  @UserOnly()
  forUsers(@Principal() caller: Principal) {
    return { kind: caller.kind };
  }

  @Get('things/for-services')
  @ServiceOnly()
  forServices(@Principal() caller: Principal) {
    return { kind: caller.kind };
  }

  /** `n` concurrent getToken() calls: how many distinct tokens and token requests they made (never the tokens). */
  @Get('token-probe')
  @Public()
  async probe(@Query('n') n = '1') {
    const before = this.tokens.stats.fetches;
    const tokens = await Promise.all(Array.from({ length: Math.min(Number(n) || 1, 50) }, () => this.tokens.getToken()));
    return { distinct: new Set(tokens).size, fetches: this.tokens.stats.fetches - before };
  }
}
