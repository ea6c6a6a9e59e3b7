import { LoginCsrf } from './login-csrf';

const transaction = { client_id: 'demo-app', redirect_uri: 'http://127.0.0.1/cb', code_challenge: 'c'.repeat(43), state: 's' };

function csrf(issuer: string, keyEncryptionKey = 'unit-test-key-encryption-key-0123456789') {
  return new LoginCsrf({ issuer, keyEncryptionKey } as never);
}

const cookieOf = (setCookie: string) => setCookie.split(';')[0]!;

describe('LoginCsrf', () => {
  it('under an https issuer the cookie is __Host- prefixed, Secure, Path=/, HttpOnly, SameSite=Strict', () => {
    const { setCookie } = csrf('https://auth.example.com').issue(transaction);
    const [pair, ...attributes] = setCookie.split('; ');
    expect(pair).toMatch(/^__Host-csrf=[A-Za-z0-9_-]{22}$/);
    // Exactly these attributes, in any order: no Domain, nothing else.
    expect(attributes.sort()).toEqual(['HttpOnly', 'Max-Age=600', 'Path=/', 'SameSite=Strict', 'Secure']);
  });

  it('over plain http (development) the cookie is scoped to /oauth, without Secure', () => {
    const { setCookie } = csrf('http://localhost:3000').issue(transaction);
    const [pair, ...attributes] = setCookie.split('; ');
    expect(pair).toMatch(/^csrf=[A-Za-z0-9_-]{22}$/);
    expect(attributes.sort()).toEqual(['HttpOnly', 'Max-Age=600', 'Path=/oauth', 'SameSite=Strict']);
  });

  it('accepts its own token with its cookie, for the same transaction, until it expires', () => {
    const guard = csrf('https://auth.example.com');
    const now = Date.now();
    const { token, setCookie } = guard.issue(transaction, now);
    expect(guard.verify(token, cookieOf(setCookie), { ...transaction }, now)).toBe(true);
    expect(guard.verify(token, cookieOf(setCookie), transaction, now + 601_000)).toBe(false);
  });

  it('refuses a token for another transaction, another key, another cookie, or a plain cookie under https', () => {
    const guard = csrf('https://auth.example.com');
    const { token, setCookie } = guard.issue(transaction);
    expect(guard.verify(token, cookieOf(setCookie), { ...transaction, state: 't' })).toBe(false);
    expect(guard.verify(token, cookieOf(setCookie), { ...transaction, extra: '' })).toBe(false);
    expect(csrf('https://auth.example.com', 'another-key-encryption-key-0123456789').verify(token, cookieOf(setCookie), transaction)).toBe(false);
    expect(guard.verify(token, cookieOf(guard.issue(transaction).setCookie), transaction)).toBe(false);
    // A cookie without the prefix (plantable from a subdomain or over http) is not read.
    expect(guard.verify(token, cookieOf(setCookie).replace('__Host-csrf', 'csrf'), transaction)).toBe(false);
  });

  it('refuses malformed tokens without throwing', () => {
    const guard = csrf('http://localhost:3000');
    for (const token of [undefined, '', 'a.b', 'x.y.z', '1.2.3.4', `${'9'.repeat(13)}.n.m`, 'é.é.é']) {
      expect(guard.verify(token, 'csrf=n', transaction)).toBe(false);
    }
  });
});
