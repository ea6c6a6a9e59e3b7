import { isValidCodeVerifier, isValidS256Challenge, s256, verifyCodeVerifier } from './pkce';

describe('PKCE (RFC 7636)', () => {
  // RFC 7636 Appendix B
  const verifier = 'dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk';
  const challenge = 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM';

  it('computes the RFC 7636 Appendix B example', () => {
    expect(s256(verifier)).toBe(challenge);
    expect(verifyCodeVerifier(verifier, challenge)).toBe(true);
  });

  it('rejects a wrong verifier, and verifiers outside 43–128 unreserved characters', () => {
    expect(verifyCodeVerifier(`${verifier.slice(0, -1)}A`, challenge)).toBe(false);
    expect(isValidCodeVerifier('a'.repeat(42))).toBe(false);
    expect(isValidCodeVerifier('a'.repeat(129))).toBe(false);
    expect(isValidCodeVerifier(`${'a'.repeat(42)}+`)).toBe(false);
    expect(isValidCodeVerifier('a'.repeat(128))).toBe(true);
  });

  it('accepts only S256-shaped challenges', () => {
    expect(isValidS256Challenge(challenge)).toBe(true);
    expect(isValidS256Challenge('plain-challenge')).toBe(false);
  });
});
