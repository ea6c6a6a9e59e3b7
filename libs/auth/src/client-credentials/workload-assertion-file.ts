import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { ClientAssertionUnavailable, type ClientAssertionProblem } from './errors';

/**
 * The client assertion of `federated_jwt` (RFC 7523 §2.2 with a JWT the client did not sign): a
 * workload identity token the platform writes to a file, a Kubernetes projected service-account token
 * (`/var/run/secrets/tokens/…`) or a SPIFFE JWT-SVID written by spiffe-helper. The platform rewrites
 * the file before the token expires (the kubelet at 80 % of its lifetime, keys rotating underneath),
 * so it is read afresh for every token request and never cached here.
 *
 * The token is only decoded, never verified: the authorization server verifies it against the
 * issuer's keys. The client looks at `exp` only to fail with a clear reason ("the file is stale: is
 * the kubelet/agent still writing it?") instead of an opaque `invalid_client`.
 */
export class WorkloadAssertionFile {
  constructor(
    readonly path: string,
    private readonly now: () => number = Date.now,
  ) {}

  /**
   * At start: the same checks, synchronously, so a wrong path or a volume that was not mounted stops
   * the service with the path in the message rather than failing its first downstream call.
   */
  checkNow(): void {
    let text: string;
    try {
      text = readFileSync(this.path, 'utf8');
    } catch (error) {
      throw this.unreadable(error);
    }
    this.validate(text);
  }

  /** The current token, read now. Throws ClientAssertionUnavailable (a 503 for the caller of the service, never a 500). */
  async read(): Promise<string> {
    let text: string;
    try {
      text = await readFile(this.path, 'utf8');
    } catch (error) {
      throw this.unreadable(error);
    }
    return this.validate(text);
  }

  private validate(text: string): string {
    const token = text.trim();
    if (!token) throw this.problem('empty', 'is empty');
    const exp = expiryOf(token);
    if (exp === undefined) throw this.problem('malformed', 'does not hold a JWT with a numeric exp');
    if (exp * 1000 <= this.now()) {
      const ago = Math.round((this.now() - exp * 1000) / 1000);
      throw this.problem('expired', `holds a token that expired ${ago} s ago (is the kubelet or workload agent still rewriting it?)`);
    }
    return token;
  }

  private unreadable(error: unknown): ClientAssertionUnavailable {
    const code = (error as NodeJS.ErrnoException | undefined)?.code;
    if (code === 'ENOENT') return this.problem('missing', 'does not exist (is the projected token volume mounted?)', error);
    return this.problem('unreadable', `cannot be read (${code ?? 'error'})`, error);
  }

  private problem(reason: ClientAssertionProblem, what: string, cause?: unknown): ClientAssertionUnavailable {
    return new ClientAssertionUnavailable(reason, this.path, `client assertion file ${this.path} ${what}`, cause === undefined ? undefined : { cause });
  }
}

/** `exp` of a compact JWS, decoded without verification; undefined when it is not one. */
function expiryOf(token: string): number | undefined {
  const parts = token.split('.');
  if (parts.length !== 3) return undefined;
  try {
    const claims = JSON.parse(Buffer.from(parts[1]!, 'base64url').toString('utf8')) as { exp?: unknown } | null;
    return typeof claims?.exp === 'number' && Number.isFinite(claims.exp) ? claims.exp : undefined;
  } catch {
    return undefined;
  }
}
