import { BlockList, isIP } from 'node:net';
import { rawAuthority } from './redirect-uri-policy';

/**
 * Where a private_key_jwt client's `jwks_uri` may point. The server fetches it when anyone presents an
 * assertion naming the client, without authentication, so an unchecked URL is a blind SSRF into the
 * server's own network (issue 24 item 4). Outside `allowPrivateNetworks` (CLIENT_JWKS_ALLOW_PRIVATE_NETWORKS,
 * for development and compose), loopback, link-local (cloud metadata at 169.254.169.254), private,
 * shared, multicast and reserved addresses are refused: the literal host at registration and at fetch
 * time, every resolved address at fetch time (see client-jwks-fetch.ts). https only in production.
 */
export interface JwksUriPolicy {
  production: boolean;
  allowPrivateNetworks: boolean;
}

/** Why `uri` may not be registered or fetched as a jwks_uri; undefined when it may. */
export function jwksUriProblem(uri: string, policy: JwksUriPolicy): string | undefined {
  let parsed: URL;
  try {
    parsed = new URL(uri);
  } catch {
    return 'must be an absolute URL';
  }
  if (parsed.protocol !== 'https:' && !(parsed.protocol === 'http:' && !policy.production)) {
    return policy.production ? 'must be https in production' : 'must be an http(s) URL';
  }
  if (rawAuthority(uri)?.includes('@')) return 'must not carry userinfo';
  if (uri.includes('#')) return 'must not have a fragment';
  if (policy.allowPrivateNetworks) return undefined;
  const host = parsed.hostname.replace(/^\[|\]$/g, '');
  if (host === 'localhost' || host.endsWith('.localhost') || (isIP(host) && !isPublicAddress(host))) {
    return 'must not point at a loopback, link-local or private address (CLIENT_JWKS_ALLOW_PRIVATE_NETWORKS=true allows it)';
  }
  return undefined;
}

const NON_PUBLIC = new BlockList();
for (const [network, prefix] of [
  ['0.0.0.0', 8], // "this network"
  ['10.0.0.0', 8], // RFC 1918
  ['100.64.0.0', 10], // shared address space (carrier-grade NAT)
  ['127.0.0.0', 8], // loopback
  ['169.254.0.0', 16], // link-local, cloud metadata
  ['172.16.0.0', 12], // RFC 1918
  ['192.0.0.0', 24], // IETF protocol assignments
  ['192.168.0.0', 16], // RFC 1918
  ['198.18.0.0', 15], // benchmarking
  ['224.0.0.0', 4], // multicast
  ['240.0.0.0', 4], // reserved, broadcast
] as const) {
  NON_PUBLIC.addSubnet(network, prefix, 'ipv4');
}
for (const [network, prefix] of [
  ['::', 128], // unspecified
  ['::1', 128], // loopback
  ['fc00::', 7], // unique local
  ['fe80::', 10], // link-local
  ['ff00::', 8], // multicast
] as const) {
  NON_PUBLIC.addSubnet(network, prefix, 'ipv6');
}
// IPv4-mapped IPv6 addresses (::ffff:10.0.0.1) are checked against the IPv4 rules by BlockList itself.

/** Whether an IP address is publicly routable (not loopback, link-local, private or reserved). */
export function isPublicAddress(address: string): boolean {
  const family = isIP(address);
  if (family === 0) return false;
  return !NON_PUBLIC.check(address, family === 4 ? 'ipv4' : 'ipv6');
}
