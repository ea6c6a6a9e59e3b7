import { decodeProtectedHeader, importJWK, jwtVerify } from 'jose';
import { KeyObject } from 'node:crypto';
import type { SigningKeysService } from '../keys/signing-keys.service';
import { signingKeyProvider } from './jwt-key-provider';
import { jwtServiceOver, loadedKey } from '../../test/support/signing-keys.fixture';

const claims = () => ({ iss: 'https://issuer.test', sub: 's', aud: 'a', iat: Math.floor(Date.now() / 1000), exp: Math.floor(Date.now() / 1000) + 60 });

describe('signingKeyProvider (JwtService over the database-held keys)', () => {
  it.each(['ES256', 'RS256'] as const)('%s: signs with the key named by kid, header alg/typ/kid, verifiable by another library', async (alg) => {
    const [other, key] = [await loadedKey(alg), await loadedKey(alg)];
    const token = jwtServiceOver([other, key]).sign(claims(), key.signOptions);
    expect(decodeProtectedHeader(token)).toEqual({ alg, typ: 'at+jwt', kid: key.kid });
    const { payload } = await jwtVerify(token, await importJWK(key.publicJwk, alg), { typ: 'at+jwt', issuer: 'https://issuer.test' });
    expect(payload.sub).toBe('s');
    await expect(jwtVerify(token, await importJWK(other.publicJwk, alg))).rejects.toThrow(/signature/);
  });

  it('verifies with the published key the token names, retired (public-only) keys included', async () => {
    const key = await loadedKey('ES256');
    const token = jwtServiceOver([key]).sign(claims(), key.signOptions);
    const retired = { ...key, privateKey: undefined };
    expect(jwtServiceOver([retired]).verify(token, { algorithms: ['ES256', 'RS256'] })).toMatchObject({ sub: 's' });
  });

  it('refuses to sign with a key it does not hold', async () => {
    const key = await loadedKey('ES256', false);
    expect(() => jwtServiceOver([key]).sign(claims(), key.signOptions)).toThrow(/no private key/);
    expect(() => jwtServiceOver([]).sign(claims(), { algorithm: 'ES256' })).toThrow(/no private key/);
  });

  it('refuses tokens from unknown keys and an alg other than the key was made for', async () => {
    const [es, rs] = [await loadedKey('ES256'), await loadedKey('RS256')];
    const token = jwtServiceOver([es]).sign(claims(), es.signOptions);
    expect(() => jwtServiceOver([rs]).verify(token, { algorithms: ['ES256', 'RS256'] })).toThrow(/published key/);
    // The RSA key's kid on an ES256 token: the key's alg is RS256, so it is not even tried.
    const esUnderRsKid = { ...es, kid: rs.kid };
    const relabelled = jwtServiceOver([esUnderRsKid]).sign(claims(), { ...es.signOptions, header: { alg: 'ES256', typ: 'at+jwt', kid: rs.kid } });
    expect(() => jwtServiceOver([rs]).verify(relabelled, { algorithms: ['ES256', 'RS256'] })).toThrow(/published key/);
    expect(() => jwtServiceOver([es]).verify('not.a.jwt', {})).toThrow();
  });

  it('hands jsonwebtoken the KeyObject itself (no per-token key parsing)', async () => {
    const key = await loadedKey('ES256');
    const view = { publishedKey: () => key } as unknown as SigningKeysService;
    const provider = signingKeyProvider(view);
    expect(provider(0, {}, key.signOptions)).toBeInstanceOf(KeyObject);
    expect(provider(0, {}, key.signOptions)).toBe(key.privateKey);
  });
});
