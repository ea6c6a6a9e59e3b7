import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { Counter, Registry } from 'prom-client';
import { LoginEvents } from '../authorization/login-protection/login-events';
import { ClientAuthThrottle } from '../client-authentication/throttling/client-auth-throttle';

/**
 * Guessing made visible: failed client authentications and sign-in attempts, read from the
 * throttles' plain counters at scrape time (the request path only increments numbers). Labels are
 * fixed sets, never a client id or username a caller chose.
 */
export function registerSecurityMetrics(app: NestFastifyApplication, registry: Registry): void {
  const throttle = app.get(ClientAuthThrottle);
  const logins = app.get(LoginEvents);
  new Counter({
    name: 'oauth_client_auth_failures_total',
    help: 'Failed client authentications at the OAuth endpoints: answered 401 (rejected) or, past a limit, 429 slow_down (slowed); client: registered id or not',
    labelNames: ['client', 'outcome'],
    registers: [registry],
    collect() {
      this.reset();
      for (const outcome of ['rejected', 'slowed'] as const) {
        for (const client of ['registered', 'unknown'] as const) this.inc({ client, outcome }, throttle.stats[outcome][client]);
      }
    },
  });
  new Counter({
    name: 'oauth_login_attempts_total',
    help: 'Sign-in form submissions: success, failure (wrong credentials), throttled (backoff or per-address limit, 429), busy (hashing queue full, 503)',
    labelNames: ['outcome'],
    registers: [registry],
    collect() {
      this.reset();
      for (const [outcome, count] of Object.entries(logins.counts)) this.inc({ outcome }, count);
    },
  });
}
