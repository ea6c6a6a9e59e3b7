import { isRegisteredRedirectUri } from './redirect-uri';

describe('redirect URI matching', () => {
  const registered = ['http://127.0.0.1/callback', 'http://[::1]:8080/cb?app=1', 'http://localhost:3000/explorer/callback', 'https://app.example/cb'];

  it('matches registered URIs exactly', () => {
    expect(isRegisteredRedirectUri(registered, 'https://app.example/cb')).toBe(true);
    expect(isRegisteredRedirectUri(registered, 'https://app.example/cb/')).toBe(false);
    expect(isRegisteredRedirectUri(registered, 'https://app.example/cb?x=1')).toBe(false);
    expect(isRegisteredRedirectUri(registered, 'http://localhost:3000/explorer/callback')).toBe(true);
  });

  it('lets a loopback IP literal use any port (RFC 8252 §7.3), same path only', () => {
    expect(isRegisteredRedirectUri(registered, 'http://127.0.0.1:51234/callback')).toBe(true);
    expect(isRegisteredRedirectUri(registered, 'http://127.0.0.1:1/callback')).toBe(true);
    expect(isRegisteredRedirectUri(registered, 'http://127.0.0.1:65535/callback')).toBe(true);
    expect(isRegisteredRedirectUri(registered, 'http://[::1]:51234/cb?app=1')).toBe(true);
    expect(isRegisteredRedirectUri(registered, 'http://[::1]/cb?app=1')).toBe(true);
    expect(isRegisteredRedirectUri(registered, 'http://127.0.0.1:51234/other')).toBe(false);
    expect(isRegisteredRedirectUri(registered, 'http://[::1]:51234/cb?app=2')).toBe(false);
    expect(isRegisteredRedirectUri(registered, 'http://user@127.0.0.1:5/callback')).toBe(false);
    expect(isRegisteredRedirectUri(registered, 'not a uri')).toBe(false);
  });

  it('does not let localhost vary its port (RFC 8252 §8.3: not a loopback IP literal)', () => {
    expect(isRegisteredRedirectUri(registered, 'http://localhost:51234/callback')).toBe(false);
    expect(isRegisteredRedirectUri(registered, 'http://localhost:4000/explorer/callback')).toBe(false);
  });

  // Issue 10 finding 6: these used to be accepted because both sides were compared after URL parsing.
  it('refuses other spellings of a registered loopback URI (compared byte for byte, never normalised)', () => {
    for (const spelled of [
      'http://2130706433:5555/callback', // 127.0.0.1 as one decimal number
      'http://0x7f000001:5555/callback',
      'http://127.1:5555/callback',
      'http://127.0.0.1:5555/x/../callback', // dot segments
      'http://127.0.0.1:5555/./callback',
      'http://127.0.0.1:5555/%63allback', // percent-encoded unreserved character
      'http://127.0.0.1:5555//callback',
      'HTTP://127.0.0.1:5555/callback', // scheme case
      'http://127.0.0.1:05555/callback', // leading zero in the port
      'http://127.0.0.1:/callback', // empty port
      'http://127.0.0.1:65536/callback', // not a port
      'http://127.0.0.1:5555/callback#frag',
      'http://127.0.0.1:5555/callback?',
      'http://127.0.0.1.evil.example/callback',
      'http://127.0.0.1@evil.example/callback',
      'http://[0:0:0:0:0:0:0:1]:5555/cb?app=1', // ::1 spelled out
      'https://127.0.0.1:5555/callback',
    ]) {
      expect([spelled, isRegisteredRedirectUri(registered, spelled)]).toEqual([spelled, false]);
    }
  });
});
