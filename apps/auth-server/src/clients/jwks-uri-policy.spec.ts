import { isPublicAddress, jwksUriProblem } from './jwks-uri-policy';
import { publicOnlyLookup } from '../client-authentication/client-jwks-fetch';

const strict = { production: false, allowPrivateNetworks: false };

describe('jwksUriProblem (issue 24 item 4: no blind SSRF through jwks_uri)', () => {
  it.each([
    'http://127.0.0.1:8080/jwks',
    'http://127.1.2.3/jwks',
    'http://[::1]/jwks',
    'http://localhost/jwks',
    'http://metadata.localhost/jwks',
    'http://169.254.169.254/latest/meta-data/',
    'http://10.0.0.5/jwks',
    'http://172.20.0.2/jwks',
    'http://192.168.1.1/jwks',
    'http://100.64.0.1/jwks',
    'http://0.0.0.0/jwks',
    'http://[fd00::1]/jwks',
    'http://[fe80::1]/jwks',
    'http://[::ffff:127.0.0.1]/jwks',
    'http://2130706433/jwks',
    'http://0x7f.0.0.1/jwks',
  ])('refuses %s unless private networks are allowed', (uri) => {
    expect(jwksUriProblem(uri, strict)).toMatch(/loopback, link-local or private/);
    expect(jwksUriProblem(uri, { ...strict, allowPrivateNetworks: true })).toBeUndefined();
  });

  it('https only in production; never userinfo, a fragment or another scheme', () => {
    expect(jwksUriProblem('https://keys.example.com/jwks.json', { production: true, allowPrivateNetworks: false })).toBeUndefined();
    expect(jwksUriProblem('http://keys.example.com/jwks.json', strict)).toBeUndefined();
    expect(jwksUriProblem('http://keys.example.com/jwks.json', { production: true, allowPrivateNetworks: true })).toBe('must be https in production');
    expect(jwksUriProblem('https://user:pass@keys.example.com/jwks', strict)).toBe('must not carry userinfo');
    expect(jwksUriProblem('https://keys.example.com@127.0.0.1/jwks', strict)).toBe('must not carry userinfo');
    expect(jwksUriProblem('https://keys.example.com/jwks#x', strict)).toBe('must not have a fragment');
    expect(jwksUriProblem('file:///etc/passwd', strict)).toBe('must be an http(s) URL');
    expect(jwksUriProblem('not a url', strict)).toBe('must be an absolute URL');
  });

  it('isPublicAddress: public unicast only', () => {
    expect(['8.8.8.8', '93.184.215.14', '2606:4700::1111'].map(isPublicAddress)).toEqual([true, true, true]);
    expect(['127.0.0.1', '10.1.2.3', '169.254.169.254', '::1', 'fe80::1', '::ffff:10.0.0.1', 'example.com'].map(isPublicAddress)).toEqual(
      Array(7).fill(false),
    );
  });

  it('at fetch time, a name that resolves to a non-public address is refused by the socket lookup itself', async () => {
    const lookup = publicOnlyLookup(false)!;
    const error = await new Promise<Error | null>((resolve) => lookup('localhost', {}, (failure) => resolve(failure)));
    expect(error?.message).toMatch(/^localhost resolves to (127\.0\.0\.1|::1), not a public address$/);
    expect(publicOnlyLookup(true)).toBeUndefined();
  });
});
