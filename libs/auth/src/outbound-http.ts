import { IncomingMessage, request as httpRequest, validateHeaderName, validateHeaderValue } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { promisify } from 'node:util';
import { brotliDecompress, gunzip, inflate } from 'node:zlib';

/** A request this library sends: to a service (ServiceHttpClient), its authorization server, or a JWKS. */
export interface OutboundRequest {
  method: string;
  headers: Record<string, string>;
  body?: string | Uint8Array;
  signal: AbortSignal;
  /**
   * `manual`: a redirect is the answer (credentials stay with their target); `error`: a redirect
   * rejects; `follow`: up to 20 are followed, as fetch does (a 303, or a 301/302 to a POST, becomes a
   * GET; credentials are dropped when the origin changes).
   */
  redirect: 'manual' | 'error' | 'follow';
}

/** What came back, body read. */
export interface OutboundAnswer {
  readonly status: number;
  /** One header's value, a repeated header's values joined with ", " (as `Headers.get`), or null. */
  header(name: string): string | null;
  /** Every header, as a WHATWG `Headers`. */
  readonly headers: Headers;
  /** The body as UTF-8 text (a BOM dropped, as `Response.text()` does). */
  readonly text: string;
}

/** How an outbound request is carried. The abort reason (e.g. a timeout's) is what it rejects with. */
export type OutboundTransport = (url: URL, request: OutboundRequest) => Promise<OutboundAnswer>;

/** The transport for a caller-supplied `fetch` (tests, a proxy-aware fetch, a custom dispatcher). */
export function fetchTransport(fetchFn: typeof fetch): OutboundTransport {
  return async (url, { method, headers, body, signal, redirect }) => fetchAnswer(await fetchFn(url, { method, headers, body, signal, redirect }));
}

/** A fetch `Response` as an answer, body read. */
export async function fetchAnswer(response: Response): Promise<OutboundAnswer> {
  const text = await response.text();
  return { status: response.status, header: (name) => response.headers.get(name), headers: response.headers, text };
}

/**
 * The default transport: `node:http`/`node:https` with their global keep-alive agents. Not `fetch`,
 * because a service that calls another on every request pays for fetch's layers in memory: with the
 * apps' runtime settings, 10,000 local GETs leave 17–21 MB more resident through `fetch` on Node 24,
 * 7–8 MB on Node 20 (bench/outbound-memory.ts; bench/README.md, "Outbound calls without fetch, tracing without the rest of NodeSDK").
 * Compressed bodies are decoded as fetch would, though no `accept-encoding` is sent.
 */
export const nodeHttpTransport: OutboundTransport = async (url, request) => {
  let target = url;
  let { method, body, headers } = request;
  for (let redirects = 0; ; redirects++) {
    const answer = await exchange(target, method, headers, body, request.signal);
    const location = answer.header('location');
    if (request.redirect === 'manual' || !REDIRECT_STATUSES.has(answer.status) || location === null) return answer;
    if (request.redirect === 'error') throw new TypeError(`unexpected redirect (${answer.status}) from ${target.origin}${target.pathname}`);
    if (redirects === MAX_REDIRECTS) throw new TypeError(`more than ${MAX_REDIRECTS} redirects from ${url.origin}${url.pathname}`);
    const next = new URL(location, target);
    if ((answer.status === 303 && method !== 'HEAD') || ((answer.status === 301 || answer.status === 302) && method === 'POST')) {
      method = 'GET';
      body = undefined;
      headers = without(headers, ['content-type', 'content-length']);
    }
    if (next.origin !== target.origin) headers = without(headers, ['authorization', 'cookie', 'proxy-authorization']);
    target = next;
  }
};

const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);
const MAX_REDIRECTS = 20;
const utf8 = new TextDecoder();
const decoders: Record<string, (body: Buffer) => Promise<Buffer>> = {
  gzip: promisify(gunzip),
  'x-gzip': promisify(gunzip),
  deflate: promisify(inflate),
  br: promisify(brotliDecompress),
};

function exchange(url: URL, method: string, headers: Record<string, string>, body: string | Uint8Array | undefined, signal: AbortSignal): Promise<NodeAnswer> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason);
    const send = url.protocol === 'https:' ? httpsRequest : url.protocol === 'http:' ? httpRequest : undefined;
    if (!send) return reject(new TypeError(`${url.protocol} URLs are not supported (${url.origin})`));
    let settled = false;
    const settle = (outcome: () => void) => {
      if (settled) return;
      settled = true;
      signal.removeEventListener('abort', onAbort);
      outcome();
    };
    const fail = (error: unknown) => settle(() => reject(signal.aborted ? signal.reason : error));
    const onAbort = () => {
      fail(signal.reason);
      outgoing.destroy();
    };
    const sized = body === undefined ? headers : { ...headers, 'content-length': String(Buffer.byteLength(body)) };
    const outgoing = send(url, { method, headers: sized }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('error', fail);
      response.on('close', () => {
        if (!response.complete) fail(new Error(`${url.origin} closed the connection before the body ended`));
      });
      response.on('end', () => {
        decoded(response, Buffer.concat(chunks)).then(
          (bytes) => settle(() => resolve(new NodeAnswer(response.statusCode ?? 0, response.headersDistinct, utf8.decode(bytes)))),
          fail,
        );
      });
    });
    outgoing.on('error', fail);
    signal.addEventListener('abort', onAbort, { once: true });
    outgoing.end(body);
  });
}

async function decoded(response: IncomingMessage, bytes: Buffer): Promise<Buffer> {
  const encoding = response.headers['content-encoding']?.trim().toLowerCase();
  const decode = encoding ? decoders[encoding] : undefined;
  return decode && bytes.length > 0 ? decode(bytes) : bytes;
}

function without(headers: Record<string, string>, names: string[]): Record<string, string> {
  return Object.fromEntries(Object.entries(headers).filter(([name]) => !names.includes(name.toLowerCase())));
}

class NodeAnswer implements OutboundAnswer {
  private built?: Headers;

  constructor(
    readonly status: number,
    private readonly distinct: NodeJS.Dict<string[]>,
    readonly text: string,
  ) {}

  header(name: string): string | null {
    return this.distinct[name.toLowerCase()]?.join(', ') ?? null;
  }

  /** Built when first asked for: the library reads single headers, a caller may want them all. */
  get headers(): Headers {
    if (!this.built) {
      this.built = new Headers();
      for (const [name, values] of Object.entries(this.distinct)) for (const value of values ?? []) this.built.append(name, value);
    }
    return this.built;
  }
}

/**
 * A fetch `HeadersInit` as the record the transports send, names lower-cased and values trimmed as
 * fetch trims them; an invalid name or value throws (a TypeError, as `new Headers()` would).
 * Iterates a `Headers` rather than testing `instanceof Headers`: that global loads fetch's code.
 */
export function headerRecord(init: RequestInit['headers']): Record<string, string> {
  const record: Record<string, string> = {};
  if (!init) return record;
  const pairs = Symbol.iterator in init ? (init as Iterable<[string, string]>) : Object.entries(init as Record<string, string>);
  for (const [name, raw] of pairs) addHeader(record, name, raw);
  return record;
}

/** Adds one header to a record from headerRecord(), joining a repeated name's values as `Headers` does. */
export function addHeader(record: Record<string, string>, name: string, raw: string): void {
  const value = String(raw).replace(/^[\t\n\r ]+|[\t\n\r ]+$/g, '');
  validateHeaderName(name);
  validateHeaderValue(name, value);
  const key = name.toLowerCase();
  record[key] = key in record ? `${record[key]}, ${value}` : value;
}

/**
 * A fetch body the node transport sends as fetch would (with the content type fetch would add when
 * none is set), or undefined when it is one only fetch can send (a Blob, FormData or stream).
 */
export function plainBody(body: RequestInit['body']): { bytes?: string | Uint8Array; contentType?: string } | undefined {
  if (body === undefined || body === null) return {};
  if (typeof body === 'string') return { bytes: body, contentType: 'text/plain;charset=UTF-8' };
  if (body instanceof URLSearchParams) return { bytes: body.toString(), contentType: 'application/x-www-form-urlencoded;charset=UTF-8' };
  if (body instanceof ArrayBuffer) return { bytes: new Uint8Array(body) };
  if (ArrayBuffer.isView(body)) return { bytes: new Uint8Array(body.buffer, body.byteOffset, body.byteLength) };
  return undefined;
}
