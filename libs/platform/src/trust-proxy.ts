import { isIP } from 'node:net';

export type TrustHops = (address: string, hop: number) => boolean;

/** Named ranges proxy-addr (Fastify's trustProxy) understands. */
const NAMED_RANGES = new Set(['loopback', 'linklocal', 'uniquelocal']);

/**
 * Fastify's `trustProxy` from `TRUST_PROXY`: which peers may tell us the client's address in
 * `X-Forwarded-For` (and so set `request.ip`, which the auth-server's throttles count by).
 *
 * - unset or empty: trust nobody; `request.ip` is the TCP peer (the default, and right when the app
 *   is reached directly);
 * - a hop count (`1`): trust that many proxies in front of the app, whoever they are (proxy-addr's
 *   hop semantics, as in Express; Fastify 5 itself ignores a number). Anyone who reaches the app
 *   directly can then choose their address, so prefer the proxies' ranges where they are known;
 * - a comma list of addresses, CIDRs or proxy-addr's names (`10.0.0.0/8, loopback`): trust only
 *   peers in those ranges; a request from anyone else keeps its TCP address whatever it claims.
 *
 * `true` (trust every peer) is refused: anyone could then choose their address. A malformed value
 * stops the app at boot rather than silently trusting nothing or everything.
 */
export function trustProxyFrom(raw: string | undefined): false | string[] | TrustHops {
  const value = (raw ?? '').trim();
  if (value === '') return false;
  if (/^\d+$/.test(value)) {
    const hops = Number(value);
    if (hops < 1 || hops > 16) throw new Error('TRUST_PROXY as a hop count must be between 1 and 16');
    // proxy-addr asks about each address from the socket outwards: hop 0 is the TCP peer.
    return (_address: string, hop: number) => hop < hops;
  }
  const entries = value.split(',').map((entry) => entry.trim());
  for (const entry of entries) {
    if (!isTrustedRange(entry)) {
      throw new Error(`TRUST_PROXY: "${entry.slice(0, 64)}" is not an IP address, a CIDR, loopback, linklocal or uniquelocal (or set a hop count)`);
    }
  }
  return entries;
}

function isTrustedRange(entry: string): boolean {
  if (NAMED_RANGES.has(entry)) return true;
  const [address, prefix, ...rest] = entry.split('/');
  if (rest.length || !address) return false;
  const family = isIP(address);
  if (family === 0) return false;
  if (prefix === undefined) return true;
  if (!/^\d{1,3}$/.test(prefix)) return false;
  return Number(prefix) <= (family === 4 ? 32 : 128);
}
