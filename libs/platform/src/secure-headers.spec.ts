import { secureHeaderPolicy, secureHeaders } from './secure-headers';

describe('secureHeaders', () => {
  it("computes helmet's headers once, with CSP default-src 'self' and no upgrade-insecure-requests", () => {
    const headers = secureHeaders();
    expect(headers['content-security-policy']).toMatch(/^default-src 'self';/);
    expect(headers['content-security-policy']).not.toMatch(/upgrade-insecure-requests/);
    expect(headers).toMatchObject({
      'x-content-type-options': 'nosniff',
      'x-frame-options': 'SAMEORIGIN',
      'referrer-policy': 'no-referrer',
      'strict-transport-security': expect.stringMatching(/^max-age=\d+/),
    });
    expect(Object.isFrozen(headers)).toBe(true);
  });

  it('lets the docs page reach the given origins (the token endpoint) and nothing else', () => {
    const csp = secureHeaders(secureHeaderPolicy(['http://auth.example:3000']))['content-security-policy'];
    expect(csp).toContain("connect-src 'self' http://auth.example:3000");
    expect(csp).toMatch(/default-src 'self';/);
  });
});
