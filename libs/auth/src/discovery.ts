import { nodeHttpTransport, OutboundAnswer, OutboundTransport } from './outbound-http';

/** The RFC 8414 / OpenID Connect Discovery fields this package reads. */
export interface AuthorizationServerMetadata {
  issuer?: string;
  jwks_uri?: string;
  token_endpoint?: string;
  access_token_signing_alg_values_supported?: string[];
}

export class MetadataNotFound extends Error {}

/**
 * Where an issuer's metadata may be, in the order tried. RFC 8414 §3.1 first: the well-known suffix
 * goes between the host and the issuer's path (`https://as/.well-known/oauth-authorization-server/tenant`).
 * Then, for servers that publish elsewhere: the RFC 8414 suffix appended to the issuer (as Keycloak
 * does), and the OpenID Connect Discovery 1.0 §4 document (`<issuer>/.well-known/openid-configuration`,
 * an OpenID Provider's, which is also RFC 8414 metadata; all that node-oidc-provider publishes).
 * For an issuer without a path (this platform's auth-server) the first two are the same URL, listed once.
 *
 * `issuerOrBase` is the issuer, or where this service reaches it when that differs (containers).
 */
export function metadataUrls(issuerOrBase: string): string[] {
  const base = issuerOrBase.replace(/\/+$/, '');
  const { origin, pathname } = new URL(base);
  const path = pathname.replace(/\/+$/, '');
  const urls = [
    `${origin}/.well-known/oauth-authorization-server${path}`,
    `${origin}${path}/.well-known/oauth-authorization-server`,
    `${origin}${path}/.well-known/openid-configuration`,
  ];
  return [...new Set(urls)];
}

/**
 * An authorization server's metadata, from the first of `metadataUrls(base)` that has it. Only a 404
 * moves on to the next location (an outage is an error, not a reason to look elsewhere). The document
 * must name `expectedIssuer` (RFC 8414 §3.3: no mix-up).
 */
export async function discoverMetadata(
  base: string,
  expectedIssuer: string,
  options: { timeoutMs?: number; transport?: OutboundTransport } = {},
): Promise<{ url: string; metadata: AuthorizationServerMetadata }> {
  const locations = metadataUrls(base);
  const transport = options.transport ?? nodeHttpTransport;
  for (const url of locations) {
    const answer = await getJson(transport, url, options.timeoutMs ?? 2_000);
    if (answer.status === 404 && url !== locations[locations.length - 1]) continue;
    if (answer.status < 200 || answer.status > 299) throw answer.status === 404 ? new MetadataNotFound(`GET ${url} answered 404`) : new Error(`GET ${url} answered ${answer.status}`);
    const metadata = JSON.parse(answer.text) as AuthorizationServerMetadata;
    if (metadata?.issuer !== expectedIssuer) {
      throw new Error(`metadata issuer "${String(metadata?.issuer)}" is not the configured issuer "${expectedIssuer}"`);
    }
    return { url, metadata };
  }
  throw new MetadataNotFound('no metadata');
}

/** A GET for a JSON document (metadata, a JWKS): redirects followed, as fetch follows them. */
export function getJson(transport: OutboundTransport, url: string, timeoutMs: number): Promise<OutboundAnswer> {
  return transport(new URL(url), { method: 'GET', headers: { accept: 'application/json' }, redirect: 'follow', signal: AbortSignal.timeout(timeoutMs) });
}
