import { generateKeyPairSync, KeyObject } from 'node:crypto';
import { decodeProtectedHeader, jwtVerify } from 'jose';
import { ClientAssertionAlgorithm, ClientAssertionSigner } from './client-assertion';

describe('ClientAssertionSigner (private_key_jwt, RFC 7523 §2.2)', () => {
  const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const now = Date.UTC(2030, 0, 1);

  it('signs iss = sub = client_id, one aud (the issuer), a fresh jti and a 60 s exp, with the kid', async () => {
    const signer = new ClientAssertionSigner({
      clientId: 'billing-service',
      audience: 'https://auth.example.com',
      privateKey: ec.privateKey.export({ format: 'pem', type: 'pkcs8' }).toString(),
      keyId: 'key-1',
      now: () => now,
    });
    const first = signer.sign();
    const second = signer.sign();
    expect(decodeProtectedHeader(first)).toEqual({ alg: 'ES256', typ: 'JWT', kid: 'key-1' });
    const { payload } = await jwtVerify(first, ec.publicKey, { currentDate: new Date(now), algorithms: ['ES256'] });
    expect(payload).toEqual({
      iss: 'billing-service',
      sub: 'billing-service',
      aud: 'https://auth.example.com',
      jti: expect.stringMatching(/^[0-9a-f-]{36}$/),
      iat: now / 1000,
      exp: now / 1000 + 60,
    });
    const { payload: again } = await jwtVerify(second, ec.publicKey, { currentDate: new Date(now) });
    expect(again.jti).not.toBe(payload.jti);
  });

  type Pair = () => { privateKey: KeyObject; publicKey: KeyObject };
  it.each<[string, ClientAssertionAlgorithm | undefined, string, Pair]>([
    ['P-384', undefined, 'ES384', () => generateKeyPairSync('ec', { namedCurve: 'P-384' })],
    ['RSA', undefined, 'RS256', () => generateKeyPairSync('rsa', { modulusLength: 2048 })],
    ['RSA', 'PS256', 'PS256', () => generateKeyPairSync('rsa', { modulusLength: 2048 })],
    ['Ed25519', undefined, 'EdDSA', () => generateKeyPairSync('ed25519')],
  ])('a %s JWK, algorithm %s: %s signatures a JOSE library verifies, kid from the JWK', async (_key, algorithm, expected, pair) => {
    const { privateKey, publicKey } = pair();
    const signer = new ClientAssertionSigner({
      clientId: 'c',
      audience: 'https://as',
      privateKey: { ...privateKey.export({ format: 'jwk' }), kid: 'from-jwk' },
      algorithm,
      now: () => now,
    });
    const assertion = signer.sign();
    expect(decodeProtectedHeader(assertion)).toMatchObject({ alg: expected, kid: 'from-jwk' });
    const key = publicKey;
    await expect(jwtVerify(assertion, key, { currentDate: new Date(now), algorithms: [expected] })).resolves.toBeDefined();
  });

  it('fails at construction on a key that is not a private key, or an algorithm the key cannot make', () => {
    const pem = ec.privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
    expect(() => new ClientAssertionSigner({ clientId: 'c', audience: 'a', privateKey: 'not a key' })).toThrow(/not a PEM or JWK private key/);
    expect(() => new ClientAssertionSigner({ clientId: 'c', audience: 'a', privateKey: ec.publicKey.export({ format: 'pem', type: 'spki' }).toString() })).toThrow(TypeError);
    expect(() => new ClientAssertionSigner({ clientId: 'c', audience: 'a', privateKey: pem, algorithm: 'RS256' })).toThrow(/RS256 needs another key/);
    expect(() => new ClientAssertionSigner({ clientId: 'c', audience: 'a', privateKey: pem, algorithm: 'ES384' })).toThrow(/ES384 needs another key/);
  });
});
