import { bearerTokenOf, isB64Token, strictBearerToken } from './bearer-token';

const JWT = 'eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln';

describe('RFC 6750 §2.1 Bearer credentials', () => {
  it('reads "Bearer" (any case) then one or more spaces then the token', () => {
    for (const header of [`Bearer ${JWT}`, `bearer ${JWT}`, `BEARER   ${JWT}`, `BeArEr ${JWT}`]) {
      expect(strictBearerToken({ headers: { authorization: header } })).toBe(JWT);
    }
  });

  it('accepts every b64token character and trailing "=" padding', () => {
    expect(isB64Token('AZaz09-._~+/')).toBe(true);
    expect(isB64Token('abc==')).toBe(true);
  });

  it('is no bearer token at all (undefined) without the header or under another scheme', () => {
    for (const header of [undefined, '', 'Basic YTpi', 'Bearerx abc', 'Bear abc', 'DPoP abc', 42]) {
      expect(bearerTokenOf(header)).toBeUndefined();
    }
  });

  // Issue 10 finding 6: passport-jwt's extractor took the first word and ignored the rest.
  it('refuses anything after the token, and anything but SP between scheme and token', () => {
    for (const header of [`Bearer ${JWT} junk`, `Bearer ${JWT},x`, `Bearer\t${JWT}`, `Bearer "${JWT}"`, 'Bearer', 'Bearer ', `Bearer ${JWT}\t`]) {
      const credentials = bearerTokenOf(header);
      expect([header, credentials !== undefined && !isB64Token(credentials)]).toEqual([header, true]);
      expect(strictBearerToken({ headers: { authorization: header } })).toBeNull();
    }
  });

  it('refuses characters outside the b64token set, "=" except at the end, and padding alone', () => {
    for (const value of ['a b', 'a=b', '=', '==', 'a,b', 'a"b', 'a\\b', 'é', 'a\u0000', '']) {
      expect([value, isB64Token(value)]).toEqual([value, false]);
    }
  });
});
