import { JwksKeyStore } from '@nest-oauth-m2m/auth';
import { Injectable, Optional } from '@nestjs/common';
import { HealthIndicatorResult, HealthIndicatorService } from '@nestjs/terminus';

/** Resource servers only: can tokens be verified, i.e. are the issuer's keys cached or reachable? */
@Injectable()
export class JwksHealthIndicator {
  constructor(
    private readonly indicators: HealthIndicatorService,
    @Optional() private readonly keyStore?: JwksKeyStore,
  ) {}

  get applies(): boolean {
    return this.keyStore !== undefined;
  }

  async check(key: string): Promise<HealthIndicatorResult> {
    const indicator = this.indicators.check(key);
    try {
      return indicator.up({ keys: await this.keyStore!.ensureKeys() });
    } catch (error) {
      return indicator.down({ message: (error as Error).message });
    }
  }
}
