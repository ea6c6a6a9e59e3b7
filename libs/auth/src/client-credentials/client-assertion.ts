import { createPrivateKey, JsonWebKey, KeyObject, randomUUID, sign, constants } from 'node:crypto';

/** Signing algorithms of client assertions: asymmetric only (a shared-secret JWT is client_secret_jwt). */
export type ClientAssertionAlgorithm = 'ES256' | 'ES384' | 'ES512' | 'RS256' | 'RS384' | 'RS512' | 'PS256' | 'PS384' | 'PS512' | 'EdDSA';

export interface ClientAssertionOptions {
  clientId: string;
  /** The authorization server's issuer identifier: the assertion's single `aud`. */
  audience: string;
  /** PEM (PKCS#8 or a traditional EC/RSA key) or a private JWK. */
  privateKey: string | JsonWebKey;
  /** `kid` of the key as registered with the server; a JWK's own `kid` otherwise. */
  keyId?: string;
  /** Default from the key: ES256/ES384/ES512 by curve, RS256 for RSA, EdDSA for Ed25519. */
  algorithm?: ClientAssertionAlgorithm;
  /** Lifetime of each assertion in seconds (default 60). */
  lifetimeSeconds?: number;
  now?: () => number;
}

const ALGORITHMS: Record<ClientAssertionAlgorithm, { keyType: string; hash: string | null; curve?: string }> = {
  ES256: { keyType: 'ec', hash: 'sha256', curve: 'prime256v1' },
  ES384: { keyType: 'ec', hash: 'sha384', curve: 'secp384r1' },
  ES512: { keyType: 'ec', hash: 'sha512', curve: 'secp521r1' },
  RS256: { keyType: 'rsa', hash: 'sha256' },
  RS384: { keyType: 'rsa', hash: 'sha384' },
  RS512: { keyType: 'rsa', hash: 'sha512' },
  PS256: { keyType: 'rsa', hash: 'sha256' },
  PS384: { keyType: 'rsa', hash: 'sha384' },
  PS512: { keyType: 'rsa', hash: 'sha512' },
  EdDSA: { keyType: 'ed25519', hash: null },
};

function defaultAlgorithm(key: KeyObject): ClientAssertionAlgorithm {
  const type = key.asymmetricKeyType;
  if (type === 'rsa') return 'RS256';
  if (type === 'ed25519') return 'EdDSA';
  if (type === 'ec') {
    const curve = key.asymmetricKeyDetails?.namedCurve;
    const alg = (Object.keys(ALGORITHMS) as ClientAssertionAlgorithm[]).find((name) => ALGORITHMS[name].curve === curve);
    if (alg) return alg;
  }
  throw new TypeError(`private_key_jwt: unsupported key type ${type ?? 'unknown'}`);
}

const segment = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');

/**
 * Client authentication with a signed JWT (RFC 7523 §2.2, `private_key_jwt` of OpenID Connect Core §9):
 * `iss` = `sub` = client_id, one `aud` (the issuer identifier, as RFC 7523bis recommends: a token
 * endpoint URL as audience lets an assertion be replayed at another server's endpoint), a fresh `jti`
 * per request, and a short `exp`. The key is parsed once; a bad key fails at start, not at the first call.
 */
export class ClientAssertionSigner {
  readonly algorithm: ClientAssertionAlgorithm;
  private readonly key: KeyObject;
  private readonly keyId?: string;
  private readonly now: () => number;

  constructor(private readonly options: ClientAssertionOptions) {
    const { privateKey } = options;
    try {
      this.key =
        typeof privateKey === 'string' ? createPrivateKey(privateKey) : createPrivateKey({ key: privateKey, format: 'jwk' });
    } catch (error) {
      throw new TypeError('private_key_jwt: privateKey is not a PEM or JWK private key', { cause: error });
    }
    this.algorithm = options.algorithm ?? defaultAlgorithm(this.key);
    const expected = ALGORITHMS[this.algorithm];
    if (!expected) throw new TypeError(`private_key_jwt: unsupported algorithm "${String(this.algorithm)}"`);
    if (expected.keyType !== this.key.asymmetricKeyType || (expected.curve && expected.curve !== this.key.asymmetricKeyDetails?.namedCurve)) {
      throw new TypeError(`private_key_jwt: ${this.algorithm} needs another key than this ${this.key.asymmetricKeyType} key`);
    }
    this.keyId = options.keyId ?? (typeof privateKey === 'object' && typeof privateKey.kid === 'string' ? privateKey.kid : undefined);
    this.now = options.now ?? Date.now;
  }

  /** A new assertion, for one token request. */
  sign(): string {
    const iat = Math.floor(this.now() / 1000);
    const header = { alg: this.algorithm, typ: 'JWT', ...(this.keyId ? { kid: this.keyId } : {}) };
    const claims = {
      iss: this.options.clientId,
      sub: this.options.clientId,
      aud: this.options.audience,
      jti: randomUUID(),
      iat,
      exp: iat + (this.options.lifetimeSeconds ?? 60),
    };
    const input = `${segment(header)}.${segment(claims)}`;
    const { hash } = ALGORITHMS[this.algorithm];
    const signature = sign(hash, Buffer.from(input), {
      key: this.key,
      // JWS (RFC 7518 §3.4) wants r||s, not DER; PS* use PSS with a salt as long as the hash.
      ...(this.key.asymmetricKeyType === 'ec' ? { dsaEncoding: 'ieee-p1363' as const } : {}),
      ...(this.algorithm.startsWith('PS') ? { padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: constants.RSA_PSS_SALTLEN_DIGEST } : {}),
    });
    return `${input}.${signature.toString('base64url')}`;
  }
}
