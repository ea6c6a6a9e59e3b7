import { isInvalidTokenChallenge, parseWwwAuthenticate } from './challenges';

describe('WWW-Authenticate parsing', () => {
  it('reads a Bearer challenge with quoted params', () => {
    expect(parseWwwAuthenticate('Bearer realm="api", error="invalid_token", error_description="the token expired"')).toEqual([
      { scheme: 'bearer', params: { realm: 'api', error: 'invalid_token', error_description: 'the token expired' } },
    ]);
  });

  it('reads several challenges, token params and token68', () => {
    expect(parseWwwAuthenticate('Basic realm="a, b", Bearer error=invalid_token, Negotiate abc/+==')).toEqual([
      { scheme: 'basic', params: { realm: 'a, b' } },
      { scheme: 'bearer', params: { error: 'invalid_token' } },
      { scheme: 'negotiate', params: {}, token68: 'abc/+==' },
    ]);
  });

  it('unescapes quoted-pairs and is not fooled by quoted text', () => {
    const header = 'Bearer error="insufficient_scope", error_description="not error=\\"invalid_token\\", really"';
    expect(parseWwwAuthenticate(header)[0]!.params.error_description).toBe('not error="invalid_token", really');
    expect(isInvalidTokenChallenge(header)).toBe(false);
  });

  it('recognises invalid_token only on a Bearer challenge', () => {
    expect(isInvalidTokenChallenge('bearer ERROR="invalid_token"')).toBe(true);
    expect(isInvalidTokenChallenge('DPoP error="invalid_token"')).toBe(false);
    expect(isInvalidTokenChallenge('Bearer realm="x"')).toBe(false);
    expect(isInvalidTokenChallenge(null)).toBe(false);
    expect(isInvalidTokenChallenge('garbage ,,, "unterminated')).toBe(false);
  });
});
