import { InvalidToken } from '../errors/oauth.errors';
import type { Principal, PrincipalKind } from './principal';

/**
 * The "auth off" side of the flow benchmark (`npm run bench`), and nothing else: with
 * BENCH_DISABLE_AUTH=1 a resource server takes `Authorization: Bearer bench <kind> <subject> <scope>…`
 * as the caller, unverified, so the benchmark can measure the same path with and without token
 * verification and token fetching. Refused when NODE_ENV=production.
 */
export function benchmarkBypassFromEnv(env: NodeJS.ProcessEnv = process.env): boolean {
  if (env.BENCH_DISABLE_AUTH !== '1') return false;
  if (env.NODE_ENV === 'production') throw new Error('BENCH_DISABLE_AUTH is a benchmark switch: refusing to start in production');
  return true;
}

export function benchmarkAuthorization(kind: PrincipalKind, subject: string, scopes: string[]): string {
  return `Bearer bench ${kind} ${subject} ${scopes.join(' ')}`;
}

/** The calling side of the same switch: a service "token" that benchmark-mode resource servers accept. */
export function benchmarkTokenSource(
  clientId: string,
  scopes: string[],
): { getToken(): Promise<string>; invalidate(): Promise<void>; hasFreshToken(): boolean } {
  const token = `bench service ${clientId} ${scopes.join(' ')}`;
  return { getToken: () => Promise.resolve(token), invalidate: () => Promise.resolve(), hasFreshToken: () => true };
}

export function benchmarkPrincipal(authorization: unknown): Principal {
  const [scheme, marker, kind, subject, ...scopes] = typeof authorization === 'string' ? authorization.split(' ') : [];
  if (scheme !== 'Bearer' || marker !== 'bench' || (kind !== 'user' && kind !== 'service') || !subject) {
    throw new InvalidToken('benchmark mode expects "Bearer bench <user|service> <subject> <scope>…"');
  }
  const clientId = kind === 'service' ? subject : 'bench';
  return { kind, subject, clientId, scopes, claims: { iss: 'bench', sub: subject, aud: 'bench', exp: 0, client_id: clientId } };
}
