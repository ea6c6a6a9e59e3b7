import { Inject, Injectable, Logger } from '@nestjs/common';
import { ConfigType } from '@nestjs/config';
import { createHmac } from 'node:crypto';
import { authServerConfig } from '../../config/auth-server.config';
import { derivedKey } from './derived-key';

export type LoginOutcome = 'success' | 'failure' | 'throttled' | 'busy';

export interface LoginAttempt {
  clientId: string;
  username: string;
  address: string;
}

/**
 * Security events of the sign-in form: one structured log line per evaluated attempt (success or
 * failure) with the client id, a keyed hash of the username, the address and the outcome; never the
 * password, never the username itself (a log reader can correlate attempts on one account without
 * learning the account names, and cannot test guesses without the key). Attempts refused without
 * evaluation (throttled, busy) are counted, and logged once per second at most, so a flood cannot
 * flood the logs. Counts are exported as `oauth_login_attempts_total{outcome}`.
 */
@Injectable()
export class LoginEvents {
  private readonly logger = new Logger('Security');
  private readonly key: Buffer;
  readonly counts: Record<LoginOutcome, number> = { success: 0, failure: 0, throttled: 0, busy: 0 };
  private readonly lastRefusalLog: Record<'throttled' | 'busy', number> = { throttled: 0, busy: 0 };

  constructor(@Inject(authServerConfig.KEY) config: ConfigType<typeof authServerConfig>) {
    this.key = derivedKey(config.keyEncryptionKey, 'login-username-hash/v1');
  }

  /** The username as logs and throttle keys know it: HMAC-SHA-256 under a derived key, 128 bits. */
  usernameHash(username: string): string {
    return createHmac('sha256', this.key).update(username.slice(0, 256)).digest('hex').slice(0, 32);
  }

  record(outcome: LoginOutcome, attempt: LoginAttempt, details: { retryAfterSeconds?: number } = {}): void {
    this.counts[outcome] += 1;
    if (outcome === 'throttled' || outcome === 'busy') {
      const now = Date.now();
      if (now - this.lastRefusalLog[outcome] < 1_000) return;
      this.lastRefusalLog[outcome] = now;
    }
    const event = {
      event: 'login',
      outcome,
      clientId: attempt.clientId,
      usernameHash: this.usernameHash(attempt.username),
      address: attempt.address,
      ...details,
      msg: `sign-in ${outcome}`,
    };
    if (outcome === 'success') this.logger.log(event);
    else this.logger.warn(event);
  }
}
