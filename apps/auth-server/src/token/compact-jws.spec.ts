import { signAccessTokenJws } from './compact-jws';
import { jwtServiceOver, loadedKey } from '../../test/support/signing-keys.fixture';

const claims = () => {
  const iat = Math.floor(Date.now() / 1000);
  return { iss: 'https://issuer.test', sub: 'svc', aud: 'api://x', exp: iat + 60, iat, jti: 'j-1', client_id: 'svc', scope: 'a b' };
};

describe('signAccessTokenJws (the token endpoint signing step)', () => {
  it.each(['ES256', 'RS256'] as const)('%s: JwtService verifies it, and its header and payload are the bytes JwtService.sign produces', async (alg) => {
    const key = await loadedKey(alg);
    const jwt = jwtServiceOver([key]);
    const payload = claims();
    const token = await signAccessTokenJws(key, payload);
    const fromJwtService = jwt.sign({ ...payload }, key.signOptions);
    expect(token.split('.').slice(0, 2)).toEqual(fromJwtService.split('.').slice(0, 2));
    const verified = jwt.verify(token, { complete: true, algorithms: [alg], issuer: 'https://issuer.test' }) as unknown as { header: object; payload: object };
    expect(verified.header).toEqual({ alg, typ: 'at+jwt', kid: key.kid });
    expect(verified.payload).toEqual(payload);
    if (alg === 'ES256') expect(Buffer.from(token.split('.')[2]!, 'base64url')).toHaveLength(64); // r||s, not DER
    else expect(token).toBe(fromJwtService); // RSASSA-PKCS1-v1_5 is deterministic
  });

  it('refuses a key that may no longer sign', async () => {
    const retired = await loadedKey('ES256', false);
    await expect(signAccessTokenJws(retired, claims())).rejects.toThrow(/no private key/);
  });

  it('a token signed by one key does not verify as another published key', async () => {
    const [signer, other] = [await loadedKey('ES256'), await loadedKey('ES256')];
    const token = await signAccessTokenJws(signer, claims());
    const [, payload, signature] = token.split('.');
    const relabelled = `${Buffer.from(JSON.stringify({ alg: 'ES256', typ: 'at+jwt', kid: other.kid })).toString('base64url')}.${payload}.${signature}`;
    expect(() => jwtServiceOver([signer, other]).verify(relabelled, { algorithms: ['ES256'] })).toThrow();
  });
});
