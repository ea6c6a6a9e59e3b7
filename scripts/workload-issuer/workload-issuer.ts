/**
 * A stand-in for the workload identity issuers the platform runs on (the Kubernetes API server's
 * service-account issuer, a SPIRE server's OIDC discovery provider / trust bundle endpoint): it serves
 * OIDC metadata and a JWKS over plain node:http, mints Kubernetes-shaped service-account tokens and
 * SPIFFE JWT-SVIDs, and rotates its signing key. Used by the e2e tests (issue 30) and, through the
 * compose `workload-identity` profile, wherever there is no real cluster. It can also mint the bad
 * tokens the tests need (wrong algorithm, too long a lifetime, another issuer's key...).
 *
 * Paths, as the real issuers lay them out:
 * - `/.well-known/openid-configuration`: `issuer`, `jwks_uri`, `id_token_signing_alg_values_supported`;
 * - `/openid/v1/jwks`: the keys with `use: "sig"` (what kube-apiserver serves);
 * - `/bundle`: the same keys as a SPIFFE trust bundle (`use: "jwt-svid"`, `spiffe_sequence`).
 * The current key and the previous one are published (a rotation overlaps, as the API server's
 * `--service-account-key-file` list does), unless `rotate({ dropPrevious: true })`.
 */
import { randomUUID } from 'node:crypto';
import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, GenerateKeyPairResult, JWK, SignJWT } from 'jose';

export type WorkloadSigningAlgorithm = 'RS256' | 'ES256';

export interface WorkloadIssuerOptions {
  /** Interface to listen on (default 127.0.0.1). */
  host?: string;
  /** Port (default 0: any free one). */
  port?: number;
  /**
   * The `iss` of the tokens and of the metadata. Default `http://<host>:<port>` once listening. Set it
   * when clients reach the issuer under another name (compose: `http://workload-issuer:8443`).
   */
  issuer?: string;
  /** Signing algorithm of every key (default RS256, what Kubernetes uses). */
  algorithm?: WorkloadSigningAlgorithm;
  /** Token lifetime when a mint call does not say (default 600 s, the usual projected-token setting). */
  defaultLifetimeSeconds?: number;
}

/** What a test may do to a token to make it bad (or merely unusual). */
export interface MintOptions {
  /** Audience(s) (`aud`); a string stays a string, an array stays an array. */
  audience: string | string[];
  /** exp − iat in seconds (default the issuer's defaultLifetimeSeconds). */
  lifetimeSeconds?: number;
  /** Shifts iat/nbf/exp by this many seconds (negative: in the past, e.g. to mint an expired token). */
  issuedAtOffsetSeconds?: number;
  /** Omit `nbf` (Kubernetes sets it; SPIRE does not). */
  omitNotBefore?: boolean;
  /** `jti` to set: a string, `true` for a random one, absent for none. */
  jti?: string | true;
  /**
   * The JWS algorithm: by default the issuer's key algorithm. `none` produces an unsigned token;
   * `HS256` one signed with a shared secret (`hmacSecret`, default the issuer URL): both must be
   * refused by any verifier.
   */
  alg?: WorkloadSigningAlgorithm | 'none' | 'HS256';
  hmacSecret?: string;
  /** Sign with the current key of another issuer (keeps this issuer's `iss` and a `kid` of its choice). */
  signWith?: WorkloadIssuer;
  /** `kid` header (default the signing key's). `null` leaves it out. */
  kid?: string | null;
  /** Replace `iss` (e.g. to claim to be another issuer). */
  issuer?: string;
  /** Further claims, merged last (they win). */
  claims?: Record<string, unknown>;
  /** The JWT `typ` header (default `JWT`). */
  typ?: string;
}

export interface KubernetesTokenOptions extends MintOptions {
  namespace: string;
  serviceAccount: string;
  /** The service account's uid (default a random UUID, fixed per issuer and name). */
  serviceAccountUid?: string;
  /** Bound pod (a projected token of a running pod names it). */
  pod?: { name: string; uid?: string };
  /** Bound node (Kubernetes 1.30+ adds it to projected tokens). */
  node?: { name: string; uid?: string };
}

export interface SvidOptions extends MintOptions {
  /** The SPIFFE ID, `spiffe://<trust domain>/<path>`: the `sub`. */
  spiffeId: string;
}

interface SigningKey {
  kid: string;
  alg: WorkloadSigningAlgorithm;
  privateKey: GenerateKeyPairResult['privateKey'];
  publicJwk: JWK;
}

export class WorkloadIssuer {
  private server?: Server;
  private issuerUrl = '';
  private current!: SigningKey;
  private previous?: SigningKey;
  private sequence = 1;
  private readonly serviceAccountUids = new Map<string, string>();
  /** Requests served per path: tests read how often a verifier came for the keys. */
  readonly requests = { metadata: 0, jwks: 0, bundle: 0 };
  /** When true, the metadata and key endpoints answer 503 (an issuer that is down). */
  unavailable = false;

  private constructor(private readonly options: WorkloadIssuerOptions) {}

  /** Generates a key and starts listening; resolves once the issuer URL is known. */
  static async start(options: WorkloadIssuerOptions = {}): Promise<WorkloadIssuer> {
    const issuer = new WorkloadIssuer(options);
    issuer.current = await issuer.generateKey();
    await issuer.listen();
    return issuer;
  }

  /** The `iss` of every token and the base of the metadata URL. */
  get issuer(): string {
    return this.issuerUrl;
  }

  /** Where the JWKS is served (as announced in the metadata). */
  get jwksUri(): string {
    return `${this.issuerUrl}/openid/v1/jwks`;
  }

  /** Where the SPIFFE trust bundle is served. */
  get bundleUri(): string {
    return `${this.issuerUrl}/bundle`;
  }

  /** The current signing key's id. */
  get kid(): string {
    return this.current.kid;
  }

  /** The public keys as served (current first, then the previous one during an overlap). */
  jwks(): { keys: JWK[] } {
    return { keys: [this.current, this.previous].filter((key): key is SigningKey => !!key).map((key) => key.publicJwk) };
  }

  /**
   * A new signing key. The old one stays published beside it (tokens it signed keep verifying) unless
   * `dropPrevious`, which is what a verifier sees after the overlap ends. Returns the new kid.
   */
  async rotate(options: { dropPrevious?: boolean } = {}): Promise<string> {
    const next = await this.generateKey();
    this.previous = options.dropPrevious ? undefined : this.current;
    this.current = next;
    this.sequence++;
    return next.kid;
  }

  /** A projected service-account token as the kubelet writes it (`system:serviceaccount:<ns>:<sa>`). */
  kubernetesToken(options: KubernetesTokenOptions): Promise<string> {
    const uidKey = `${options.namespace}/${options.serviceAccount}`;
    let uid = options.serviceAccountUid ?? this.serviceAccountUids.get(uidKey);
    if (!uid) {
      uid = randomUUID();
      this.serviceAccountUids.set(uidKey, uid);
    }
    const kubernetesClaim: Record<string, unknown> = {
      namespace: options.namespace,
      serviceaccount: { name: options.serviceAccount, uid },
    };
    if (options.pod) kubernetesClaim.pod = { name: options.pod.name, uid: options.pod.uid ?? randomUUID() };
    if (options.node) kubernetesClaim.node = { name: options.node.name, uid: options.node.uid ?? randomUUID() };
    // Kubernetes puts `aud` as an array, always.
    const audience = typeof options.audience === 'string' ? [options.audience] : options.audience;
    return this.mint(`system:serviceaccount:${options.namespace}:${options.serviceAccount}`, {
      ...options,
      audience,
      claims: { 'kubernetes.io': kubernetesClaim, ...options.claims },
    });
  }

  /** A JWT-SVID (SPIFFE JWT-SVID spec): `sub` the SPIFFE ID, `aud`, `exp`, `iat`, optional `jti`. */
  svid(options: SvidOptions): Promise<string> {
    return this.mint(options.spiffeId, { omitNotBefore: true, ...options });
  }

  /** Any token of this issuer: the building block of the two above. */
  async mint(subject: string, options: MintOptions): Promise<string> {
    const now = Math.floor(Date.now() / 1000) + (options.issuedAtOffsetSeconds ?? 0);
    const lifetime = options.lifetimeSeconds ?? this.options.defaultLifetimeSeconds ?? 600;
    const payload: Record<string, unknown> = {
      iss: options.issuer ?? this.issuerUrl,
      sub: subject,
      aud: options.audience,
      iat: now,
      exp: now + lifetime,
    };
    if (!options.omitNotBefore) payload.nbf = now;
    if (options.jti !== undefined) payload.jti = options.jti === true ? randomUUID() : options.jti;
    Object.assign(payload, options.claims);

    const signer = options.signWith ? options.signWith.current : this.current;
    const alg = options.alg ?? signer.alg;
    const header: { alg: string; typ: string; kid?: string } = { alg, typ: options.typ ?? 'JWT' };
    const kid = options.kid === undefined ? signer.kid : options.kid;
    if (kid !== null) header.kid = kid;

    if (alg === 'none') return `${base64url(header)}.${base64url(payload)}.`;
    const key = alg === 'HS256' ? new TextEncoder().encode(options.hmacSecret ?? this.issuerUrl) : signer.privateKey;
    return new SignJWT(payload).setProtectedHeader(header).sign(key);
  }

  async close(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  private async generateKey(): Promise<SigningKey> {
    const alg = this.options.algorithm ?? 'RS256';
    const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
    const kid = randomUUID();
    const publicJwk = { ...(await exportJWK(publicKey)), kid, alg, use: 'sig' };
    return { kid, alg, privateKey, publicJwk };
  }

  private listen(): Promise<void> {
    const server = createServer((request, response) => this.handle(request, response));
    this.server = server;
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.options.port ?? 0, this.options.host ?? '127.0.0.1', () => {
        const { port } = server.address() as AddressInfo;
        const host = this.options.host && this.options.host !== '0.0.0.0' ? this.options.host : '127.0.0.1';
        this.issuerUrl = (this.options.issuer ?? `http://${host}:${port}`).replace(/\/+$/, '');
        resolve();
      });
    });
  }

  private handle(request: IncomingMessage, response: ServerResponse): void {
    const path = new URL(request.url ?? '/', 'http://issuer').pathname;
    if (request.method !== 'GET') return this.send(response, 405, { error: 'method not allowed' });
    if (this.unavailable) return this.send(response, 503, { error: 'unavailable' });
    switch (path) {
      case '/.well-known/openid-configuration':
        this.requests.metadata++;
        return this.send(response, 200, {
          issuer: this.issuerUrl,
          jwks_uri: this.jwksUri,
          response_types_supported: ['id_token'],
          subject_types_supported: ['public'],
          id_token_signing_alg_values_supported: [this.current.alg],
        });
      case '/openid/v1/jwks':
        this.requests.jwks++;
        return this.send(response, 200, this.jwks(), 'application/jwk-set+json');
      case '/bundle':
        this.requests.bundle++;
        // SPIFFE Trust Domain and Bundle §4: JWT-SVID keys carry `use: "jwt-svid"`.
        return this.send(response, 200, {
          keys: this.jwks().keys.map((key) => ({ ...key, use: 'jwt-svid' })),
          spiffe_sequence: this.sequence,
          spiffe_refresh_hint: 300,
        });
      default:
        return this.send(response, 404, { error: 'not found' });
    }
  }

  private send(response: ServerResponse, status: number, body: unknown, contentType = 'application/json'): void {
    response.writeHead(status, { 'content-type': contentType, 'cache-control': 'no-store' }).end(JSON.stringify(body));
  }
}

function base64url(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}
