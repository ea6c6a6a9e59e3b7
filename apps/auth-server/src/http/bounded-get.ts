import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { LookupFunction } from 'node:net';

export interface BoundedGetOptions {
  headers: Record<string, string>;
  signal: AbortSignal;
  /** The body is cut off (the GET fails) past this many bytes. */
  maxBytes: number;
  /** The socket's DNS lookup (e.g. one refusing private addresses); Node's when absent. */
  lookup?: LookupFunction;
}

/**
 * One GET of a small document (a JWKS, a discovery document) from another party: no redirect is
 * followed (the caller decides what a 3xx means), the body is capped, the signal bounds it all, and
 * each call has its own connection (these URLs are few and called rarely). Through `node:http`, not
 * `fetch`: fetch's first use loads and compiles its WebAssembly HTTP parser, megabytes the
 * auth-server would keep for a call a minute.
 */
export function boundedGet(url: string, options: BoundedGetOptions): Promise<{ status: number; body: Buffer }> {
  const target = new URL(url);
  const send = target.protocol === 'https:' ? httpsRequest : target.protocol === 'http:' ? httpRequest : undefined;
  if (!send) return Promise.reject(new Error(`${target.protocol} URLs are not fetched`));
  return new Promise((resolve, reject) => {
    const request = send(target, { headers: options.headers, signal: options.signal, lookup: options.lookup, agent: false }, (response) => {
      const chunks: Buffer[] = [];
      let size = 0;
      response.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > options.maxBytes) {
          request.destroy(new Error(`the document is larger than ${options.maxBytes} bytes`));
          return;
        }
        chunks.push(chunk);
      });
      response.on('end', () => resolve({ status: response.statusCode ?? 0, body: Buffer.concat(chunks) }));
      response.on('error', reject);
    });
    request.on('error', reject).end();
  });
}
