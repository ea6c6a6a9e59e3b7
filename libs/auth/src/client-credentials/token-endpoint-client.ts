import { discoverMetadata } from '../discovery';
import { fetchTransport, nodeHttpTransport, OutboundTransport } from '../outbound-http';
import { ClientAuthentication } from './client-authentication';
import { ClientAuthMethod, TokenEndpointClientOptions, validateTokenEndpointClientOptions } from './client-credentials.options';
import { describeNetworkError, TokenEndpointUnavailable } from './errors';
import type { CachedToken } from './token-cache';
import { parseTokenResponse, tokenEndpointError } from './token-response';

/** What an endpoint answered, body read. */
export interface EndpointAnswer {
  status: number;
  headers: Headers;
  text: string;
}

const FORM_HEADERS = { 'content-type': 'application/x-www-form-urlencoded;charset=UTF-8', accept: 'application/json' };

/**
 * This client's requests to its authorization server, authenticated by one of the four methods
 * (client-authentication.ts): token requests (the token endpoint configured or discovered from the
 * issuer's metadata, the answer parsed, errors mapped to TokenEndpointError / InvalidTokenResponse /
 * TokenEndpointUnavailable), and the same authenticated request to the server's other endpoints
 * (introspection, the revocation feed). Redirects are never followed: they would carry the credentials elsewhere.
 */
export class TokenEndpointClient {
  readonly clientId: string;
  private readonly authentication: ClientAuthentication;
  /** How this client authenticates: only `client_secret_basic` can authenticate a GET (see `get`). */
  get authMethod(): ClientAuthMethod {
    return this.authentication.method;
  }
  private readonly transport: OutboundTransport;
  private readonly now: () => number;
  private readonly timeoutMs: number;
  private tokenEndpoint?: string;

  constructor(private readonly options: TokenEndpointClientOptions) {
    validateTokenEndpointClientOptions(options);
    this.clientId = options.clientId;
    this.authentication = new ClientAuthentication(options);
    this.transport = options.fetch ? fetchTransport(options.fetch) : nodeHttpTransport;
    this.now = options.now ?? Date.now;
    this.timeoutMs = options.timeoutMs ?? 3_000;
    this.tokenEndpoint = options.tokenEndpoint;
  }

  /** A token for these grant parameters (`grant_type`, `scope`, `resource`, …), or the error the request ended in. */
  async requestToken(parameters: Record<string, string>): Promise<CachedToken> {
    const obtainedAt = this.now();
    const form = new URLSearchParams(parameters);
    const headers: Record<string, string> = { ...FORM_HEADERS };
    await this.authentication.applyTo(form, headers);
    const endpoint = await this.resolveTokenEndpoint();
    let answer: EndpointAnswer;
    try {
      answer = await this.send(endpoint, { method: 'POST', headers, body: form.toString() });
    } catch (error) {
      const timedOut = (error as Error | undefined)?.name === 'TimeoutError';
      const reason = timedOut ? `no answer within ${this.timeoutMs} ms` : describeNetworkError(error);
      throw new TokenEndpointUnavailable(timedOut ? 'timeout' : 'connection', `token endpoint unavailable: ${reason}`, { cause: error });
    }
    if (answer.status < 200 || answer.status > 299) throw tokenEndpointError(answer.status, answer.text, answer.headers, this.now());
    return parseTokenResponse(answer.status, answer.text, obtainedAt);
  }

  /** An authenticated form POST to another endpoint of the server (e.g. RFC 7662 introspection). Network errors are thrown as the transport threw them. */
  async post(url: string, parameters: Record<string, string>, signal?: AbortSignal): Promise<EndpointAnswer> {
    const form = new URLSearchParams(parameters);
    const headers: Record<string, string> = { ...FORM_HEADERS };
    await this.authentication.applyTo(form, headers);
    return this.send(url, { method: 'POST', headers, body: form.toString() }, signal);
  }

  /** An authenticated GET (client_secret_basic: a GET has no form to carry other credentials). */
  async get(url: string, headers: Record<string, string> = {}, signal?: AbortSignal): Promise<EndpointAnswer> {
    return this.send(url, { method: 'GET', headers: { accept: 'application/json', ...headers, authorization: this.authentication.authorizationHeader() } }, signal);
  }

  /** The configured token endpoint, or the issuer's `token_endpoint`, discovered once (a failure is retried next time). */
  async resolveTokenEndpoint(): Promise<string> {
    if (this.tokenEndpoint) return this.tokenEndpoint;
    try {
      if (!this.options.issuer) throw new Error('neither tokenEndpoint nor issuer is configured');
      const { metadata } = await discoverMetadata(this.options.issuer, this.options.issuer, { timeoutMs: this.timeoutMs, transport: this.transport });
      const endpoint = metadata.token_endpoint;
      if (typeof endpoint !== 'string' || !/^https?:\/\//.test(endpoint)) throw new Error('metadata has no http(s) token_endpoint');
      return (this.tokenEndpoint = endpoint);
    } catch (error) {
      throw new TokenEndpointUnavailable('connection', `token endpoint discovery failed: ${describeNetworkError(error)}`, { cause: error });
    }
  }

  private async send(url: string, init: { method: string; headers: Record<string, string>; body?: string }, signal?: AbortSignal): Promise<EndpointAnswer> {
    const timeout = AbortSignal.timeout(this.timeoutMs);
    return this.transport(new URL(url), {
      ...init,
      headers: { ...this.options.propagateHeaders?.(), ...init.headers },
      redirect: 'manual',
      signal: signal ? AbortSignal.any([signal, timeout]) : timeout,
    });
  }
}

/** The client-credentials grant's parameters (RFC 6749 §4.4.2); the audience as RFC 8707 `resource` when an absolute URI. */
export function clientCredentialsGrant(scopes: readonly string[], audience: string | undefined): Record<string, string> {
  const parameters: Record<string, string> = { grant_type: 'client_credentials' };
  if (scopes.length) parameters.scope = scopes.join(' ');
  if (audience !== undefined) Object.assign(parameters, resourceParameter(audience));
  return parameters;
}

/** The target API as RFC 8707 `resource` when an absolute URI, else as `audience` (RFC 8693 §2.1). */
export function resourceParameter(audience: string): Record<string, string> {
  return { [isAbsoluteUri(audience) ? 'resource' : 'audience']: audience };
}

function isAbsoluteUri(value: string): boolean {
  if (value.includes('#')) return false;
  try {
    return Boolean(new URL(value).protocol);
  } catch {
    return false;
  }
}
