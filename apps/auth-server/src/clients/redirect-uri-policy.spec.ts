import { redirectUriProblem } from './redirect-uri-policy';

const development = { production: false };
const production = { production: true };

describe('redirectUriProblem (issue 24 item 3: RFC 9700 §4.1, RFC 8252 §7.1, §7.3, §8.3)', () => {
  it.each([
    'https://app.example.com/callback',
    'https://app.example.com:8443/cb?tenant=a',
    'http://127.0.0.1/callback',
    'http://127.0.0.1:8080/callback',
    'http://127.10.0.1/cb',
    'http://[::1]/callback',
    'http://[::1]:51000/cb',
    'com.example.app:/oauth2redirect',
    'com.example.app://callback',
  ])('allows %s', (uri) => {
    expect(redirectUriProblem(uri, production)).toBeUndefined();
    expect(redirectUriProblem(uri, development)).toBeUndefined();
  });

  it.each([
    ['javascript:alert(document.domain)//', /private-use scheme/],
    ['data:text/html,<script>alert(1)</script>', /private-use scheme/],
    ['vbscript:msgbox', /private-use scheme/],
    ['file:///etc/passwd', /private-use scheme/],
    ['x:', /private-use scheme/],
    ['https://*.evil.example/cb', /wildcard/],
    ['https://good.example@evil.example/cb', /userinfo/],
    ['https://user:pass@good.example/cb', /userinfo/],
    ['https://@evil.example/cb', /userinfo/],
    ['http://127.0.0.1@evil.example/cb', /userinfo/],
    ['http://evil.example/cb', /loopback IP literal/],
    ['http://127.0.0.1.evil.example/cb', /loopback IP literal/],
    ['http://2130706433/cb', /loopback IP literal/],
    ['http://0x7f.0.0.1/cb', /loopback IP literal/],
    ['http://127.000.0.1/cb', /loopback IP literal/],
    ['http://[::ffff:127.0.0.1]/cb', /loopback IP literal/],
    ['https://app.example.com/cb#frag', /fragment/],
    ['https://app.example.com/cb#', /fragment/],
    ['https://app.example.com/c b', /printable ASCII/],
    ['https://app.example.com/cb\n', /printable ASCII/],
    ['/relative/callback', /absolute URI/],
  ])('refuses %s', (uri, reason) => {
    expect(redirectUriProblem(uri, development)).toMatch(reason);
    expect(redirectUriProblem(uri, production)).toMatch(reason);
  });

  it('http://localhost outside production only (RFC 8252 §8.3: prefer the IP literal)', () => {
    expect(redirectUriProblem('http://localhost:5173/callback', development)).toBeUndefined();
    expect(redirectUriProblem('http://localhost:5173/callback', production)).toMatch(/loopback IP literal/);
    expect(redirectUriProblem('http://localhost.evil.example/cb', development)).toMatch(/loopback IP literal/);
  });
});
