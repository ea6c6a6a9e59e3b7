import { TokenEndpointClient } from '../client-credentials/token-endpoint-client';
import { InvalidToken, TemporarilyUnavailable } from '../errors/oauth.errors';

export interface IntrospectionOptions {
  /** The issuer's RFC 7662 endpoint, e.g. `http://auth-server:3000/oauth/introspect`. */
  endpoint: string;
  /** This resource server's own client: its secret (client_secret_basic), or `assertionFile` (federated_jwt). */
  clientId: string;
  clientSecret?: string;
  /** Instead of a secret: the workload identity token file (see ClientCredentialsModule's `federated_jwt`). */
  assertionFile?: string;
  /** How long an answer is reused for a token (default 10 s): the bound on how late a revocation is seen. */
  cacheTtlMs?: number;
  /** Request timeout (default 2 s). */
  timeoutMs?: number;
  /** Answers kept in memory (default 10,000). */
  cacheSize?: number;
}

/**
 * Optional revocation check for JWT access tokens: after the signature and claims verify, asks the
 * issuer whether the token is still `active` (RFC 7662), with a short per-token cache. Fails closed:
 * if the issuer cannot be asked, the request gets 503 rather than a possibly revoked token through.
 */
export class TokenIntrospector {
  private readonly answers = new Map<string, { active: boolean; until: number }>();
  /** The authenticated POST to the issuer: the same client as a token request's (client_secret_basic, or federated_jwt). */
  private readonly client: TokenEndpointClient;

  constructor(private readonly options: IntrospectionOptions) {
    const credentials = options.assertionFile
      ? { authMethod: 'federated_jwt' as const, assertionFile: options.assertionFile }
      : { clientSecret: options.clientSecret };
    this.client = new TokenEndpointClient({ clientId: options.clientId, ...credentials, timeoutMs: options.timeoutMs ?? 2_000 });
  }

  /** Throws invalid_token when the issuer says the token is no longer active. */
  async assertActive(token: string, expiresAt: number): Promise<void> {
    const now = Date.now();
    const cached = this.answers.get(token);
    const active = cached && cached.until > now ? cached.active : await this.ask(token, now, expiresAt);
    if (!active) throw new InvalidToken('the access token is no longer active');
  }

  private async ask(token: string, now: number, expiresAt: number): Promise<boolean> {
    let active: boolean;
    try {
      const answer = await this.client.post(this.options.endpoint, { token, token_type_hint: 'access_token' });
      if (answer.status < 200 || answer.status > 299) throw new Error(`introspection answered ${answer.status}`);
      active = (JSON.parse(answer.text) as { active?: unknown }).active === true;
    } catch {
      throw new TemporarilyUnavailable('token introspection is unavailable right now');
    }
    if (this.answers.size >= (this.options.cacheSize ?? 10_000)) this.answers.clear();
    this.answers.set(token, { active, until: Math.min(now + (this.options.cacheTtlMs ?? 10_000), expiresAt * 1000) });
    return active;
  }
}
