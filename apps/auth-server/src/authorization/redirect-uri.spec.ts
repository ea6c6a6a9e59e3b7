import { isRegisteredRedirectUri } from './redirect-uri';

describe('redirect URI matching', () => {
  const registered = ['http://127.0.0.1/callback', 'http://localhost:3000/explorer/callback', 'https://app.example/cb'];

  it('matches registered URIs exactly', () => {
    expect(isRegisteredRedirectUri(registered, 'https://app.example/cb')).toBe(true);
    expect(isRegisteredRedirectUri(registered, 'https://app.example/cb/')).toBe(false);
    expect(isRegisteredRedirectUri(registered, 'https://app.example/cb?x=1')).toBe(false);
  });

  it('lets a loopback IP literal use any port (RFC 8252 §7.3), same path only', () => {
    expect(isRegisteredRedirectUri(registered, 'http://127.0.0.1:51234/callback')).toBe(true);
    expect(isRegisteredRedirectUri(registered, 'http://127.0.0.1:51234/other')).toBe(false);
    expect(isRegisteredRedirectUri(registered, 'http://localhost:51234/callback')).toBe(false);
    expect(isRegisteredRedirectUri(registered, 'http://localhost:4000/explorer/callback')).toBe(false);
    expect(isRegisteredRedirectUri(registered, 'http://user@127.0.0.1:5/callback')).toBe(false);
    expect(isRegisteredRedirectUri(registered, 'not a uri')).toBe(false);
  });
});
