import { errorDescription, ERROR_DESCRIPTION_SAFE } from './error-description';
import { InvalidRequest, InvalidToken } from './oauth.errors';

describe('errorDescription (RFC 6749 §5.2 character set)', () => {
  it('keeps printable ASCII other than " and \\', () => {
    expect(errorDescription('scope not allowed: orders:read <x> & y')).toBe('scope not allowed: orders:read <x> & y');
  });

  it('turns " into \', control characters into spaces, and \\ or non-ASCII into ?', () => {
    expect(errorDescription('a"b\\c\nd\te\u00e9f\u{1F600}')).toBe("a'b?c d e?f??");
    expect(errorDescription('missing required parameter "code_verifier"')).toBe("missing required parameter 'code_verifier'");
  });

  it('cuts overly long text', () => {
    const cut = errorDescription('x'.repeat(500));
    expect(cut).toHaveLength(200);
    expect(cut.endsWith('...')).toBe(true);
  });

  it('gives only §5.2 characters for any input', () => {
    let all = '';
    for (let c = 0; c < 0x180; c++) all += String.fromCharCode(c);
    for (const text of [all, '\uD800', '\u{1F600}"\\', '\r\nSet-Cookie: x=1']) {
      expect(errorDescription(text, 1_000)).toMatch(ERROR_DESCRIPTION_SAFE);
    }
  });

  // Issue 10 finding 6: a description with " or a tab reached the JSON body and the challenge as it was.
  it('is applied by every OAuthError, so no error can carry anything else', () => {
    const error = new InvalidRequest('parameter "scope"\tis\\ bad é');
    expect(error.description).toBe("parameter 'scope' is? bad ?");
    expect(error.message).toBe(error.description);
    expect(new InvalidToken('x'.repeat(300)).description).toHaveLength(200);
  });
});
