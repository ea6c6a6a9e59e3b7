import { createRemoteJWKSet, decodeJwt, decodeProtectedHeader, jwtVerify } from 'jose';
import { WorkloadIssuer } from './workload-issuer';

describe('WorkloadIssuer', () => {
  let issuer: WorkloadIssuer;
  let other: WorkloadIssuer;

  beforeAll(async () => {
    [issuer, other] = await Promise.all([WorkloadIssuer.start(), WorkloadIssuer.start({ algorithm: 'ES256' })]);
  });
  afterAll(() => Promise.all([issuer.close(), other.close()]));

  async function verify(token: string) {
    const metadata = (await (await fetch(`${issuer.issuer}/.well-known/openid-configuration`)).json()) as { jwks_uri: string; issuer: string };
    expect(metadata.issuer).toBe(issuer.issuer);
    return jwtVerify(token, createRemoteJWKSet(new URL(metadata.jwks_uri)), { issuer: issuer.issuer, audience: 'https://as.example' });
  }

  it('mints Kubernetes-shaped tokens verifiable through its metadata and JWKS', async () => {
    const token = await issuer.kubernetesToken({ namespace: 'platform', serviceAccount: 'order-service', audience: 'https://as.example', pod: { name: 'order-1' } });
    const { payload, protectedHeader } = await verify(token);
    expect(protectedHeader).toMatchObject({ alg: 'RS256', kid: issuer.kid });
    expect(payload).toMatchObject({
      sub: 'system:serviceaccount:platform:order-service',
      aud: ['https://as.example'],
      'kubernetes.io': { namespace: 'platform', serviceaccount: { name: 'order-service' }, pod: { name: 'order-1' } },
    });
    expect(payload.jti).toBeUndefined();
    expect(payload.exp! - payload.iat!).toBe(600);
    expect(payload.nbf).toBe(payload.iat);
  });

  it('mints SVID-shaped tokens, and serves its keys as a SPIFFE bundle', async () => {
    const token = await issuer.svid({ spiffeId: 'spiffe://cluster.local/ns/platform/sa/order-service', audience: 'https://as.example', jti: true });
    const { payload } = await verify(token);
    expect(payload.sub).toBe('spiffe://cluster.local/ns/platform/sa/order-service');
    expect(typeof payload.jti).toBe('string');
    const bundle = (await (await fetch(issuer.bundleUri)).json()) as { keys: { use: string }[]; spiffe_sequence: number };
    expect(bundle.keys.every((key) => key.use === 'jwt-svid')).toBe(true);
  });

  it('rotates: the new key signs, the previous stays published until dropped', async () => {
    const before = issuer.kid;
    const after = await issuer.rotate();
    expect(after).not.toBe(before);
    expect(issuer.jwks().keys.map((key) => key.kid)).toEqual([after, before]);
    await verify(await issuer.kubernetesToken({ namespace: 'n', serviceAccount: 's', audience: 'https://as.example' }));
    await issuer.rotate({ dropPrevious: true });
    expect(issuer.jwks().keys).toHaveLength(1);
  });

  it('mints bad tokens on request', async () => {
    const base = { namespace: 'n', serviceAccount: 's', audience: 'https://as.example' };
    expect(decodeProtectedHeader(await issuer.kubernetesToken({ ...base, alg: 'none' })).alg).toBe('none');
    expect(decodeProtectedHeader(await issuer.kubernetesToken({ ...base, alg: 'HS256' })).alg).toBe('HS256');
    const foreign = await issuer.kubernetesToken({ ...base, signWith: other });
    expect(decodeJwt(foreign).iss).toBe(issuer.issuer);
    await expect(verify(foreign)).rejects.toThrow();
    const expired = decodeJwt(await issuer.kubernetesToken({ ...base, issuedAtOffsetSeconds: -7200 }));
    expect(expired.exp!).toBeLessThan(Date.now() / 1000);
    const long = decodeJwt(await issuer.kubernetesToken({ ...base, lifetimeSeconds: 86_400 }));
    expect(long.exp! - long.iat!).toBe(86_400);
  });
});
