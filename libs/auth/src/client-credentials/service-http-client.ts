import { Logger } from '@nestjs/common';
import { addHeader, fetchAnswer, headerRecord, nodeHttpTransport, OutboundAnswer, plainBody } from '../outbound-http';
import { decodeJwtClaims, DownstreamHop, FLOW_TRACE_HEADER, FlowTrace } from '../trace/flow-trace';
import { isInvalidTokenChallenge } from './challenges';
import { ClientCredentialsTokenProvider } from './client-credentials-token-provider';
import { describeNetworkError, DownstreamUnavailable } from './errors';
import { ClientLogger, tokenFingerprint } from './logging';
import type { TokenExchangeTarget, TokenExchangeTokenProvider } from './token-exchange-token-provider';

/** Where the client's bearer tokens come from: ClientCredentialsTokenProvider, or a stand-in. */
export type AccessTokenSource = Pick<ClientCredentialsTokenProvider, 'getToken' | 'invalidate' | 'hasFreshToken'>;

export interface ServiceHttpClientOptions {
  /** Relative request URLs resolve against it (e.g. `http://user-service:3002`). */
  baseUrl?: string;
  /** Per-attempt timeout, connect to last body byte (default 5000 ms). */
  timeoutMs?: number;
  /**
   * Sends every request instead of `node:http` (a test double, a proxy-aware fetch). Without it,
   * requests go through `node:http`, except those only fetch can send (a Blob, FormData or stream
   * body, or a fetch-only option such as `cache` or `dispatcher`), which use the global `fetch`.
   */
  fetch?: typeof fetch;
  logger?: ClientLogger;
  /** Headers to forward from the request being served (e.g. `x-request-id`), read at call time. */
  propagateHeaders?: () => Record<string, string> | undefined;
  /** Where onBehalfOf() gets its tokens (RFC 8693 token exchange); ClientCredentialsModule sets it. */
  tokenExchange?: Pick<TokenExchangeTokenProvider, 'sourceFor'>;
}

/** Requests carrying a token exchanged for one user's (ServiceHttpClient.onBehalfOf). */
export interface DelegatedServiceHttp {
  request<T = unknown>(url: string | URL, init?: ServiceRequestInit): Promise<ServiceResponse<T>>;
}

export type ServiceRequestInit = Omit<RequestInit, 'signal'> & {
  /** Overrides the client's timeout for this call. */
  timeoutMs?: number;
  /** Sent as JSON (sets `content-type`); use instead of `body`. */
  json?: unknown;
  /** The caller's own cancellation; its abort is rethrown as is, not as DownstreamUnavailable. */
  signal?: AbortSignal;
};

export interface ServiceResponse<T = unknown> {
  status: number;
  headers: Headers;
  /** Parsed JSON for a JSON content type, text otherwise, undefined when empty. */
  body: T;
}

/**
 * HTTP client for calling other services with this service's client-credentials token (request()),
 * or with a token exchanged for the user's being served (onBehalfOf(userToken).request()):
 * - adds `Authorization: Bearer <token>` from the provider;
 * - bounds each attempt with a timeout, and throws DownstreamUnavailable on timeout, connection
 *   failure or an unreadable JSON body (map it to 503);
 * - on `401` with `WWW-Authenticate: Bearer error="invalid_token"`, evicts that token, gets a new
 *   one and retries exactly once; never retries other statuses (403 included) or network errors;
 * - does not follow redirects unless asked (`redirect: 'follow'`), so the token stays with the target;
 * - if a just-fetched token is rejected too, the problem is not staleness (wrong audience, unknown
 *   issuer…): that token is then not evicted again, so a misconfigured downstream cannot turn every
 *   call into a token request.
 * Token acquisition failures surface as TokenEndpointError / TokenEndpointUnavailable.
 */
export class ServiceHttpClient {
  private readonly fetchFn: typeof fetch;
  private readonly logger: ClientLogger;
  /** A token rejected right after it was fetched; not evicted again. */
  private rejectedFreshToken?: string;

  constructor(
    private readonly tokens: AccessTokenSource,
    private readonly options: ServiceHttpClientOptions = {},
  ) {
    this.fetchFn = options.fetch ?? ((input, init) => fetch(input, init));
    this.logger = options.logger ?? new Logger(ServiceHttpClient.name);
  }

  /** A request with this service's own (client-credentials) token. */
  request<T = unknown>(url: string | URL, init: ServiceRequestInit = {}): Promise<ServiceResponse<T>> {
    return this.requestWith<T>(this.tokens, url, init);
  }

  /**
   * Requests on behalf of the user whose access token `subjectToken` is (typically the bearer token of
   * the request being served): each carries a token obtained by RFC 8693 token exchange, whose `sub`
   * is that user and whose `act` is this client, cached per user and target, with the same timeout,
   * errors and retry once on 401 invalid_token as request(). `target` overrides the audience and
   * scopes configured for the exchange.
   *
   * `const { body } = await http.onBehalfOf(userToken).request('/users/42')`
   */
  onBehalfOf(subjectToken: string, target?: TokenExchangeTarget): DelegatedServiceHttp {
    if (!this.options.tokenExchange) {
      throw new TypeError('onBehalfOf() needs a token exchange provider (ClientCredentialsModule sets one; without Nest pass `tokenExchange`)');
    }
    if (!subjectToken) throw new TypeError('onBehalfOf() needs the user\'s access token');
    const source = this.options.tokenExchange.sourceFor(subjectToken, target);
    return { request: <T>(url: string | URL, init: ServiceRequestInit = {}) => this.requestWith<T>(source, url, init) };
  }

  private async requestWith<T>(tokens: AccessTokenSource, url: string | URL, init: ServiceRequestInit): Promise<ServiceResponse<T>> {
    const target = this.options.baseUrl ? new URL(url, this.options.baseUrl) : new URL(url);
    const trace = FlowTrace.current();
    if (trace) return this.traced(tokens, trace.downstream, target, init);
    return (await this.call<T>(tokens, target, init)).response;
  }

  /** Development flow trace: asks the downstream for its trace and records this hop (claims only). */
  private async traced<T>(tokens: AccessTokenSource, hops: DownstreamHop[], target: URL, init: ServiceRequestInit): Promise<ServiceResponse<T>> {
    const tokenSource = tokens.hasFreshToken() ? 'cache' : 'token-endpoint';
    const headers = headerRecord(init.headers);
    headers[FLOW_TRACE_HEADER] = '1';
    let token = '';
    const { response, header } = await this.call<T>(tokens, target, { ...init, headers }, (sent) => (token = sent));
    hops.push({
      target: describeTarget(target),
      serviceTokenClaims: decodeJwtClaims(token),
      tokenSource,
      status: response.status,
      trace: FlowTrace.decode(header(FLOW_TRACE_HEADER)),
    });
    return response;
  }

  private async call<T>(tokens: AccessTokenSource, target: URL, init: ServiceRequestInit, onToken?: (token: string) => void): Promise<Sent<T>> {
    const token = await tokens.getToken();
    onToken?.(token);
    const first = await this.send<T>(target, init, token);
    if (first.response.status !== 401 || !isInvalidTokenChallenge(first.header('www-authenticate'))) return first;
    if (!isReplayable(init.body)) return first;
    if (token === this.rejectedFreshToken) return first;

    await tokens.invalidate(token);
    const fresh = await tokens.getToken();
    if (fresh === token) return first;
    onToken?.(fresh);
    const second = await this.send<T>(target, init, fresh);
    if (second.response.status === 401 && isInvalidTokenChallenge(second.header('www-authenticate'))) {
      this.rejectedFreshToken = fresh;
      this.logger.warn(
        `${describeTarget(target)} rejected a freshly issued token (${tokenFingerprint(fresh)}) as invalid_token; ` +
          'not refreshing again for this token — check the audience, issuer and keys the downstream trusts',
      );
    }
    return second;
  }

  private async send<T>(target: URL, init: ServiceRequestInit, token: string): Promise<Sent<T>> {
    const { timeoutMs, json, signal: callerSignal, headers: initHeaders, body: initBody, method: initMethod, redirect = 'manual', ...rest } = init;
    const headers = headerRecord(initHeaders);
    const propagated = this.options.propagateHeaders?.();
    if (propagated) for (const [name, value] of Object.entries(propagated)) if (!(name.toLowerCase() in headers)) addHeader(headers, name, value);
    headers.authorization = `Bearer ${token}`;
    const body = json !== undefined ? JSON.stringify(json) : initBody;
    if (json !== undefined) headers['content-type'] ??= 'application/json';
    headers.accept ??= 'application/json, */*;q=0.5';
    const method = normalizedMethod(initMethod);
    if ((method === 'GET' || method === 'HEAD') && body !== undefined && body !== null) throw new TypeError(`a ${method} request cannot have a body`);
    // The node transport sends what a service call is; anything only fetch knows goes through fetch.
    const plain = this.options.fetch || Object.values(rest).some((value) => value !== undefined) ? undefined : plainBody(body);
    if (plain?.contentType) headers['content-type'] ??= plain.contentType;
    const limit = timeoutMs ?? this.options.timeoutMs ?? 5_000;
    const timeout = AbortSignal.timeout(limit);
    const signal = callerSignal ? AbortSignal.any([callerSignal, timeout]) : timeout;

    let answer: OutboundAnswer;
    try {
      answer = plain
        ? await nodeHttpTransport(target, { method, headers, body: plain.bytes, signal, redirect })
        : await fetchAnswer(await this.fetchFn(target, { ...rest, method, redirect, body, headers, signal }));
    } catch (error) {
      if (callerSignal?.aborted) throw callerSignal.reason;
      const where = describeTarget(target);
      if (timeout.aborted) {
        throw new DownstreamUnavailable('timeout', where, `${where} did not answer within ${limit} ms`, { cause: error });
      }
      throw new DownstreamUnavailable('connection', where, `${where} unreachable: ${describeNetworkError(error)}`, {
        cause: error,
      });
    }
    const response: ServiceResponse<T> = {
      status: answer.status,
      // Built when asked for (most callers read only the body).
      get headers() {
        return answer.headers;
      },
      body: parseBody(target, answer) as T,
    };
    return { response, header: (name) => answer.header(name) };
  }
}

/** A response, and its headers one by one for the client's own checks (without building `Headers`). */
interface Sent<T> {
  response: ServiceResponse<T>;
  header(name: string): string | null;
}

const NORMALIZED_METHODS = new Set(['DELETE', 'GET', 'HEAD', 'OPTIONS', 'POST', 'PUT']);

/** Fetch's method normalisation: these six upper-cased, any other as given. */
function normalizedMethod(method: string | undefined): string {
  if (method === undefined) return 'GET';
  const upper = method.toUpperCase();
  return NORMALIZED_METHODS.has(upper) ? upper : method;
}

function parseBody(target: URL, answer: OutboundAnswer): unknown {
  const { text } = answer;
  if (text === '') return undefined;
  const type = answer.header('content-type') ?? '';
  if (!/^application\/(?:[\w.-]+\+)?json\s*(?:;|$)/i.test(type)) return text;
  try {
    return JSON.parse(text);
  } catch (error) {
    const where = describeTarget(target);
    throw new DownstreamUnavailable('invalid_response', where, `${where} sent malformed JSON (status ${answer.status})`, {
      cause: error,
    });
  }
}

/** Bodies fetch can send twice; a stream is consumed by the first attempt. */
function isReplayable(body: RequestInit['body']): boolean {
  if (body === undefined || body === null || typeof body === 'string') return true;
  if (body instanceof URLSearchParams || body instanceof ArrayBuffer || ArrayBuffer.isView(body)) return true;
  if (body instanceof Blob || body instanceof FormData) return true;
  return false;
}

function describeTarget(target: URL): string {
  return `${target.origin}${target.pathname}`;
}
