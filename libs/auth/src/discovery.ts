/** The RFC 8414 / OpenID Connect Discovery fields this package reads. */
export interface AuthorizationServerMetadata {
  issuer?: string;
  jwks_uri?: string;
  token_endpoint?: string;
  access_token_signing_alg_values_supported?: string[];
}

export class MetadataNotFound extends Error {}

/**
 * An authorization server's metadata, looked up where RFC 8414 §3.1 puts it (the well-known segment
 * inserted between host and path: `https://host/.well-known/oauth-authorization-server/realms/x` for
 * `https://host/realms/x`), then where OpenID Connect Discovery 1.0 §4 does
 * (`<issuer>/.well-known/openid-configuration`), which is all some issuers publish. Only a 404 moves on
 * to the next location. The document must name `expectedIssuer` (RFC 8414 §3.3: no mix-up).
 *
 * `base` is the issuer, or where this service reaches it when that differs (containers).
 */
export async function discoverMetadata(
  base: string,
  expectedIssuer: string,
  options: { timeoutMs?: number; fetch?: typeof fetch } = {},
): Promise<{ url: string; metadata: AuthorizationServerMetadata }> {
  const { origin, pathname } = new URL(base);
  const path = pathname.replace(/\/+$/, '');
  const locations = [`${origin}/.well-known/oauth-authorization-server${path}`, `${origin}${path}/.well-known/openid-configuration`];
  const fetchFn = options.fetch ?? fetch;
  for (const url of locations) {
    const response = await fetchFn(url, { headers: { accept: 'application/json' }, signal: AbortSignal.timeout(options.timeoutMs ?? 2_000) });
    if (response.status === 404 && url !== locations[locations.length - 1]) continue;
    if (!response.ok) throw response.status === 404 ? new MetadataNotFound(`GET ${url} answered 404`) : new Error(`GET ${url} answered ${response.status}`);
    const metadata = (await response.json()) as AuthorizationServerMetadata;
    if (metadata?.issuer !== expectedIssuer) {
      throw new Error(`metadata issuer "${String(metadata?.issuer)}" is not the configured issuer "${expectedIssuer}"`);
    }
    return { url, metadata };
  }
  throw new MetadataNotFound('no metadata');
}
