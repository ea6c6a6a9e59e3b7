import { DEMO_USERS } from '@app/platform';
import { createHmac, createPublicKey, generateKeyPairSync, KeyObject, sign } from 'node:crypto';
import { basicAuth, postForm, registerClient, TEST_DEMO_SECRET, TEST_ACTOR } from '../../auth-server/test/support/auth-server.harness';
import { startPlatform, TestPlatform } from '../../../test/support/platform.harness';
import { mintToken, serviceToken } from '../../../test/support/tokens';

const b64 = (value: unknown) => Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url');

/** Signs header.payload with a key the attacker holds (ES256 in IEEE P1363 form, RS256 PKCS#1 v1.5). */
function attackerSign(header: Record<string, unknown>, payload: Record<string, unknown>, key: KeyObject): string {
  const input = `${b64(header)}.${b64(payload)}`;
  const alg = String(header.alg);
  const signature = alg.startsWith('ES')
    ? sign('sha256', Buffer.from(input), { key, dsaEncoding: 'ieee-p1363' })
    : sign('sha256', Buffer.from(input), key);
  return `${input}.${signature.toString('base64url')}`;
}

/**
 * The JWT attack corpus against the resource-server guard (libs/auth, on user-service): every attack
 * is its own test, and every one must end in 401 invalid_token with a matching Bearer challenge.
 */
describe('JWT attack corpus: all rejected with 401 invalid_token', () => {
  let platform: TestPlatform;
  let url: string;
  let realHeader: { alg: string; kid: string; typ: string };
  let realJwk: Record<string, unknown>;
  const attackerEc = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const attackerRsa = generateKeyPairSync('rsa', { modulusLength: 2048 });

  beforeAll(async () => {
    platform = await startPlatform();
    url = `${platform.users.url}/users/${DEMO_USERS.alice.id}`;
    realHeader = JSON.parse(Buffer.from(mintToken(platform.auth).split('.')[0]!, 'base64url').toString());
    const jwks = (await (await fetch(`${platform.auth.url}/.well-known/jwks.json`)).json()) as { keys: Record<string, unknown>[] };
    realJwk = jwks.keys.find((key) => key.kid === realHeader.kid)!;
  });
  afterAll(async () => {
    process.stdout.write(`jwt attack corpus: ${rejected} attack tokens sent, each checked for 401 invalid_token\n`);
    await platform.close();
  });

  /** Claims the guard would accept if the signature were the issuer's. */
  const goodClaims = () => {
    const now = Math.floor(Date.now() / 1000);
    return { iss: platform.auth.issuer, sub: 'order-service', client_id: 'order-service', aud: 'api://user-service', scope: 'users:read', iat: now, exp: now + 300, jti: `attack-${now}` };
  };

  let rejected = 0;
  const expectRejected = async (token: string) => {
    rejected += 1;
    const response = await fetch(url, { headers: { authorization: `Bearer ${token}` } });
    const body = (await response.json()) as Record<string, unknown>;
    expect({ status: response.status, error: body.error }).toEqual({ status: 401, error: 'invalid_token' });
    expect(typeof body.error_description).toBe('string');
    expect(response.headers.get('www-authenticate')).toMatch(/^Bearer realm="user-service", error="invalid_token", error_description="[\x20-\x7e]*"$/);
  };

  it('control: the real token is accepted (so the rejections below are about the attack)', async () => {
    const response = await fetch(url, { headers: { authorization: `Bearer ${serviceToken(platform.auth, 'order-service', 'api://user-service', 'users:read')}` } });
    expect(response.status).toBe(200);
  });

  it.each(['none', 'None', 'NONE', 'nOnE'])('alg "%s" with an empty signature', async (alg) => {
    await expectRejected(`${b64({ alg, typ: 'at+jwt', kid: realHeader.kid })}.${b64(goodClaims())}.`);
  });

  it('HS256 signed with the issuer public key (JWK JSON, PEM and the x coordinate as HMAC secrets)', async () => {
    const input = `${b64({ alg: 'HS256', typ: 'at+jwt', kid: realHeader.kid })}.${b64(goodClaims())}`;
    const pem = createPublicKey({ key: realJwk as never, format: 'jwk' }).export({ type: 'spki', format: 'pem' }).toString();
    for (const secret of [JSON.stringify(realJwk), pem, String(realJwk.x ?? realJwk.n)]) {
      await expectRejected(`${input}.${createHmac('sha256', secret).update(input).digest('base64url')}`);
    }
  });

  it('RS/ES algorithm swap: alg RS256 on the ES256 key id (attacker RSA signature), and alg ES256 over an RSA signature', async () => {
    await expectRejected(attackerSign({ alg: 'RS256', typ: 'at+jwt', kid: realHeader.kid }, goodClaims(), attackerRsa.privateKey));
    const esInput = mintToken(platform.auth).split('.');
    await expectRejected(`${b64({ ...realHeader, alg: realHeader.alg === 'ES256' ? 'RS256' : 'ES256' })}.${esInput[1]}.${esInput[2]}`);
    await expectRejected(`${b64({ ...realHeader, alg: 'PS256' })}.${esInput[1]}.${esInput[2]}`);
  });

  it('kid pointing to another key: the real kid on an attacker signature, and an unknown kid', async () => {
    await expectRejected(attackerSign({ alg: 'ES256', typ: 'at+jwt', kid: realHeader.kid }, goodClaims(), attackerEc.privateKey));
    await expectRejected(attackerSign({ alg: 'ES256', typ: 'at+jwt', kid: 'attacker-key-1' }, goodClaims(), attackerEc.privateKey));
  });

  it.each([
    ['path traversal', '../../../../etc/passwd'],
    ['a device path', '/dev/null'],
    ['a file URL', 'file:///etc/passwd'],
    ['SQL quote injection', "' OR '1'='1"],
    ['SQL statement injection', '1; DROP TABLE users; --'],
    ['an encoded NUL', '%00'],
    ['a raw NUL', '\u0000'],
    ['a URL', 'http://127.0.0.1:1/key'],
    ['2,000 characters', 'x'.repeat(2_000)],
  ])(
    'kid with %s',
    async (_label, kid) => {
      await expectRejected(attackerSign({ alg: 'ES256', typ: 'at+jwt', kid }, goodClaims(), attackerEc.privateKey));
    },
  );

  it('jwk header injection: the attacker public key embedded in the header', async () => {
    const jwk = attackerEc.publicKey.export({ format: 'jwk' });
    await expectRejected(attackerSign({ alg: 'ES256', typ: 'at+jwt', jwk }, goodClaims(), attackerEc.privateKey));
    await expectRejected(attackerSign({ alg: 'ES256', typ: 'at+jwt', kid: realHeader.kid, jwk: { ...jwk, kid: realHeader.kid } }, goodClaims(), attackerEc.privateKey));
  });

  it('jku header injection: keys "from" an attacker URL', async () => {
    await expectRejected(attackerSign({ alg: 'ES256', typ: 'at+jwt', kid: 'k1', jku: 'http://127.0.0.1:1/jwks.json' }, goodClaims(), attackerEc.privateKey));
    await expectRejected(attackerSign({ alg: 'ES256', typ: 'at+jwt', kid: realHeader.kid, jku: `${platform.auth.url}/.well-known/jwks.json` }, goodClaims(), attackerEc.privateKey));
  });

  it('x5u / x5c header injection: an attacker certificate URL or chain', async () => {
    await expectRejected(attackerSign({ alg: 'RS256', typ: 'at+jwt', kid: 'k1', x5u: 'http://127.0.0.1:1/cert.pem' }, goodClaims(), attackerRsa.privateKey));
    const der = attackerRsa.publicKey.export({ type: 'spki', format: 'der' }).toString('base64');
    await expectRejected(attackerSign({ alg: 'RS256', typ: 'at+jwt', x5c: [der] }, goodClaims(), attackerRsa.privateKey));
  });

  it('stripped signature (header.payload. and header.payload)', async () => {
    const [header, payload] = mintToken(platform.auth).split('.');
    await expectRejected(`${header}.${payload}.`);
    await expectRejected(`${header}.${payload}`);
  });

  it('payload tampered after signing (scope widened, sub changed)', async () => {
    const [header, payload, signature] = serviceToken(platform.auth, 'order-service', 'api://user-service', 'orders:read').split('.');
    const claims = JSON.parse(Buffer.from(payload!, 'base64url').toString());
    await expectRejected(`${header}.${b64({ ...claims, scope: 'users:read' })}.${signature}`);
    await expectRejected(`${header}.${b64({ ...claims, scope: 'users:read', sub: 'admin' })}.${signature}`);
  });

  it('expired (beyond the clock tolerance)', async () => {
    const now = Math.floor(Date.now() / 1000);
    await expectRejected(mintToken(platform.auth, { claims: { iat: now - 3_600, exp: now - 120 } }));
  });

  it('nbf in the future (beyond the clock tolerance)', async () => {
    await expectRejected(mintToken(platform.auth, { claims: { nbf: Math.floor(Date.now() / 1000) + 600 } }));
  });

  it('wrong iss (and the issuer with a trailing slash or other case)', async () => {
    for (const iss of ['https://evil.example', `${platform.auth.issuer}/`, platform.auth.issuer.toUpperCase()]) {
      await expectRejected(mintToken(platform.auth, { claims: { iss } }));
    }
  });

  it('wrong aud (another service, and none)', async () => {
    await expectRejected(mintToken(platform.auth, { claims: { aud: 'api://order-service' } }));
    await expectRejected(mintToken(platform.auth, { claims: { aud: undefined } }));
  });

  it('missing exp', async () => {
    await expectRejected(mintToken(platform.auth, { claims: { exp: undefined } }));
  });

  it('typ not at+jwt: an ID-token-shaped JWT (typ JWT, nonce, at_hash), and no typ', async () => {
    const idToken = { nonce: 'n-0S6_WzA2Mj', at_hash: 'HK6E_P6Dh8Y93mRNtsDB1Q', azp: 'demo-app', auth_time: Math.floor(Date.now() / 1000) };
    await expectRejected(mintToken(platform.auth, { header: { ...realHeader, typ: 'JWT' }, claims: idToken }));
    await expectRejected(mintToken(platform.auth, { header: { alg: realHeader.alg, kid: realHeader.kid }, claims: idToken }));
    await expectRejected(mintToken(platform.auth, { header: { ...realHeader, typ: 'id_token+jwt' } }));
  });

  it("a token signed by a different issuer's key (its own JWKS, its own iss, and ours)", async () => {
    const other = otherIssuerKey();
    await expectRejected(attackerSign({ alg: 'ES256', typ: 'at+jwt', kid: other.kid }, { ...goodClaims(), iss: 'https://other-issuer.example' }, other.key));
    await expectRejected(attackerSign({ alg: 'ES256', typ: 'at+jwt', kid: other.kid }, goodClaims(), other.key));
  });

  it('oversized tokens: 8 KB of valid base64url is 401, past the 16 KiB header limit the server answers 431', async () => {
    const big = mintToken(platform.auth, { claims: { pad: 'x'.repeat(8_000) } });
    await expectRejected(`${big.split('.')[0]}.${big.split('.')[1]}.${'A'.repeat(200)}`);
    const response = await fetch(url, { headers: { authorization: `Bearer ${'a'.repeat(20_000)}` } });
    expect(response.status).toBe(431);
  });

  /** A second issuer's signing key (kid and private key), as another deployment would have. */
  function otherIssuerKey(): { kid: string; key: KeyObject } {
    const pair = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    return { kid: `other-${realHeader.kid.slice(0, 8)}`, key: pair.privateKey };
  }
});

describe('JWT attack corpus with introspection configured (libs/auth `introspection` option)', () => {
  let platform: TestPlatform;

  beforeAll(async () => {
    // user-service asks the issuer about each new token as its own client, the owner of api://user-service.
    platform = await startPlatform({ env: { INTROSPECTION_ENABLED: 'true', INTROSPECTION_CACHE_TTL_MS: '0' } });
  });
  afterAll(() => platform.close());

  const issue = async () => {
    const response = await postForm(platform.auth, '/oauth/token', { grant_type: 'client_credentials', scope: 'users:read' }, { headers: { authorization: basicAuth('order-service', TEST_DEMO_SECRET) } });
    return String(response.body.access_token);
  };
  const get = (token: string) => fetch(`${platform.users.url}/users/${DEMO_USERS.alice.id}`, { headers: { authorization: `Bearer ${token}` } });

  it('a revoked token, accepted a moment before (and in the verified-token cache), is 401 invalid_token', async () => {
    const token = await issue();
    expect((await get(token)).status).toBe(200);
    const revoked = await postForm(platform.auth, '/oauth/revoke', { token }, { headers: { authorization: basicAuth('order-service', TEST_DEMO_SECRET) } });
    expect(revoked.status).toBe(200);
    const response = await get(token);
    expect(response.status).toBe(401);
    expect(await response.json()).toEqual({ error: 'invalid_token', error_description: 'the access token is no longer active' });
    expect(response.headers.get('www-authenticate')).toMatch(/^Bearer realm="user-service", error="invalid_token"/);
  });

  it('a genuine token of a client disabled (and enabled again) after issuance is 401 invalid_token', async () => {
    const billing = await registerClient(platform.auth, { clientId: 'attack-corpus-billing' });
    const token = String((await postForm(platform.auth, '/oauth/token', { grant_type: 'client_credentials', scope: 'users:read' }, { headers: { authorization: basicAuth(billing.clientId, billing.secret) } })).body.access_token);
    expect((await get(token)).status).toBe(200);
    await platform.auth.clients.setEnabled(billing.clientId, false, TEST_ACTOR);
    await platform.auth.clients.setEnabled(billing.clientId, true, TEST_ACTOR);
    const response = await get(token);
    expect(response.status).toBe(401);
    expect(await response.json()).toEqual({ error: 'invalid_token', error_description: 'the access token is no longer active' });
  });

  it('an unrevoked token from the same client is still accepted', async () => {
    expect((await get(await issue())).status).toBe(200);
  });
});
