import { lookup as dnsLookup, LookupAddress } from 'node:dns';
import type { LookupFunction } from 'node:net';
import { isPublicAddress, jwksUriProblem, JwksUriPolicy } from '../clients/jwks-uri-policy';
import { boundedGet } from '../http/bounded-get';

/** A JWKS of a few keys is a few kilobytes; anything much larger is not one. */
export const MAX_CLIENT_JWKS_BYTES = 64 * 1024;

/**
 * jose's `customFetch` for clients' `jwks_uri`: the URL is checked again (rows may predate the
 * policy), every address the host resolves to must be public unless the policy allows private
 * networks (checked in the socket's own lookup, so a DNS answer cannot change between the check and
 * the connection), no redirect is followed (jose wants a 200), and the body is cut off at
 * MAX_CLIENT_JWKS_BYTES. The timeout is jose's (its AbortSignal). Failures throw with the detail,
 * for the log; the client only ever sees one `invalid_client` text.
 */
export function clientJwksFetch(policy: JwksUriPolicy) {
  const lookup = publicOnlyLookup(policy.allowPrivateNetworks);
  return async (url: string, init: { headers: Headers; signal: AbortSignal }): Promise<Response> => {
    const problem = jwksUriProblem(url, policy);
    if (problem) throw new Error(`jwks_uri ${problem}`);
    const { status, body } = await boundedGet(url, { headers: Object.fromEntries(init.headers), signal: init.signal, lookup, maxBytes: MAX_CLIENT_JWKS_BYTES });
    return new Response(status === 200 ? new Uint8Array(body) : null, { status: status >= 200 && status <= 599 ? status : 502 });
  };
}

/** dns.lookup, refusing the connection when any address the name resolves to is not public. */
export function publicOnlyLookup(allowPrivateNetworks: boolean): LookupFunction | undefined {
  if (allowPrivateNetworks) return undefined;
  return (hostname, options, callback) => {
    dnsLookup(hostname, { ...options, all: true }, (error, addresses: LookupAddress[]) => {
      if (error) return callback(error, '', 0);
      const refused = addresses.find((entry) => !isPublicAddress(entry.address));
      if (refused || addresses.length === 0) {
        return callback(new Error(`${hostname} resolves to ${refused?.address ?? 'nothing'}, not a public address`), '', 0);
      }
      if (options.all) return (callback as unknown as (e: null, a: LookupAddress[]) => void)(null, addresses);
      callback(null, addresses[0]!.address, addresses[0]!.family);
    });
  };
}
