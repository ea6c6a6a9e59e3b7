import { createHash } from 'node:crypto';

/** What the client needs from a logger; Nest's Logger and `console` both fit. */
export interface ClientLogger {
  warn(message: string): void;
  log?(message: string): void;
  debug?(message: string): void;
}

/**
 * A short, non-reversible name for a token, safe to log: lets operators correlate log lines
 * ("which token did the downstream reject?") without ever writing the token itself.
 */
export function tokenFingerprint(token: string): string {
  return createHash('sha256').update(token).digest('base64url').slice(0, 10);
}
