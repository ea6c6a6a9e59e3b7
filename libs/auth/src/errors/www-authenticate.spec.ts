import { buildChallenge, quoteParam } from './www-authenticate';

/** Reads back one RFC 7230 quoted-string (the whole input), undoing quoted-pairs. */
function unquote(quoted: string): string {
  const match = /^"((?:[^"\\]|\\.)*)"$/s.exec(quoted);
  if (!match) throw new Error(`not a single quoted-string: ${quoted}`);
  return match[1]!.replace(/\\(.)/gs, '$1');
}

// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f]/;

describe('quoteParam (RFC 7235 §2.1 auth-param values)', () => {
  it('wraps a plain value in double quotes', () => {
    expect(quoteParam('auth-server')).toBe('"auth-server"');
    expect(quoteParam('')).toBe('""');
  });

  it('escapes a double quote with a backslash', () => {
    expect(quoteParam('say "hi"')).toBe('"say \\"hi\\""');
  });

  it('escapes a backslash with a backslash', () => {
    expect(quoteParam('a\\b')).toBe('"a\\\\b"');
  });

  it('escapes a trailing backslash so it cannot swallow the closing quote', () => {
    const quoted = quoteParam('ends with \\');
    expect(quoted).toBe('"ends with \\\\"');
    expect(unquote(quoted)).toBe('ends with \\');
  });

  it('round-trips values full of quotes and backslashes', () => {
    for (const value of ['"', '\\', '\\"', '"\\', 'x="y", error="invalid_token"', 'a\\\\"b']) {
      expect(unquote(quoteParam(value))).toBe(value);
    }
  });

  it('removes control characters (CR, LF, NUL, TAB, DEL): no header splitting', () => {
    const quoted = quoteParam('bad\r\nSet-Cookie: x=1\u0000\t\u007fend');
    expect(quoted).not.toMatch(CONTROL);
    expect(quoted.startsWith('"bad')).toBe(true);
    expect(quoted.endsWith('end"')).toBe(true);
    expect(quoted).toContain('Set-Cookie: x=1');
  });

  it('removes control characters and still escapes quotes next to them', () => {
    const quoted = quoteParam('"\n\\');
    expect(quoted).not.toMatch(CONTROL);
    expect(unquote(quoted)).toMatch(/^"\s*\\$/);
  });

  it('replaces non-ASCII with "?" (RFC 6750 §3: printable ASCII only)', () => {
    expect(quoteParam('été')).toBe('"?t?"');
  });

  // Found by fuzzing the bearer guard: a token whose header decoded to alg "E\uFFFD256" was echoed into
  // the challenge, Node refused the header, and the request was never answered.
  it('regression: a U+FFFD or any non-Latin-1 character still gives a header Node accepts', () => {
    const quoted = quoteParam('algorithm "E\uFFFD256" \u{1F600} \uD800');
    expect(quoted).toMatch(/^[\x20-\x7e]+$/);
  });

  it('caps very long values (a description only grows by echoing input)', () => {
    expect(quoteParam('x'.repeat(10_000)).length).toBeLessThanOrEqual(258);
  });
});

describe('buildChallenge', () => {
  it('joins quoted params after the scheme, leaving out undefined ones', () => {
    expect(buildChallenge('Basic', { realm: 'auth-server', charset: 'UTF-8' })).toBe('Basic realm="auth-server", charset="UTF-8"');
    expect(buildChallenge('Bearer', { realm: 'api', error: undefined, scope: 'users:read' })).toBe('Bearer realm="api", scope="users:read"');
  });

  it('is the bare scheme when no param is left', () => {
    expect(buildChallenge('Bearer', {})).toBe('Bearer');
    expect(buildChallenge('Bearer', { error: undefined })).toBe('Bearer');
  });

  it('quotes hostile descriptions safely', () => {
    const header = buildChallenge('Bearer', { realm: 'api', error_description: 'bad "token"\r\nX-Injected: 1' });
    expect(header).not.toMatch(CONTROL);
    expect(header).toContain('error_description="bad \\"token\\"');
    expect(header.startsWith('Bearer realm="api", error_description="')).toBe(true);
    expect(header.endsWith('X-Injected: 1"')).toBe(true);
  });
});
