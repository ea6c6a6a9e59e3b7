import { generateKeyPairSync, KeyObject } from 'node:crypto';
import { SignJWT } from 'jose';
import { LocalHttpServer } from './local-http-servers';

/**
 * A minimal standards issuer for tests: RFC 8414 metadata and a JWKS on 127.0.0.1, ES256 keys that
 * can be rotated, and RFC 9068 access tokens signed on demand.
 */
export class TestIssuer {
  private keys: Array<{ kid: string; privateKey: KeyObject; publicJwk: Record<string, unknown> }> = [];
  private server!: LocalHttpServer;

  get url(): string {
    return this.server.url;
  }

  async start(): Promise<this> {
    this.rotate();
    this.server = await new LocalHttpServer((request) => {
      if (request.url === '/.well-known/oauth-authorization-server') {
        return { kind: 'respond', status: 200, body: { issuer: this.url, jwks_uri: `${this.url}/jwks`, token_endpoint: `${this.url}/token` } };
      }
      if (request.url === '/jwks') return { kind: 'respond', status: 200, body: { keys: this.keys.map((k) => k.publicJwk) } };
      return { kind: 'respond', status: 404 };
    }).start();
    return this;
  }

  close(): Promise<void> {
    return this.server.close();
  }

  /** A new current signing key; the JWKS publishes it alone (the old one is gone). */
  rotate(): void {
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const kid = `k${this.keys.length + 1}-${Date.now()}`;
    this.keys = [{ kid, privateKey, publicJwk: { ...publicKey.export({ format: 'jwk' }), kid, alg: 'ES256', use: 'sig' } }];
  }

  /** An RFC 9068 access token; a service token unless `sub` differs from `client_id`. */
  token(claims: {
    aud: string;
    scope?: string;
    sub?: string;
    client_id?: string;
    expiresInSeconds?: number;
    typ?: string;
    /** Other issuers' claims; a `client_id` or `scope` of undefined here leaves that claim out. */
    extra?: Record<string, unknown>;
  }): Promise<string> {
    const key = this.keys[0]!;
    const now = Math.floor(Date.now() / 1000);
    const clientId = claims.client_id ?? 'caller-service';
    const payload: Record<string, unknown> = { client_id: clientId, scope: claims.scope ?? '', jti: `${now}-${Math.random()}`, ...claims.extra };
    for (const [name, value] of Object.entries(payload)) if (value === undefined) delete payload[name];
    return new SignJWT(payload)
      .setProtectedHeader({ alg: 'ES256', typ: claims.typ ?? 'at+jwt', kid: key.kid })
      .setIssuer(this.url)
      .setAudience(claims.aud)
      .setSubject(claims.sub ?? clientId)
      .setIssuedAt(now)
      .setExpirationTime(now + (claims.expiresInSeconds ?? 300))
      .sign(key.privateKey);
  }
}
