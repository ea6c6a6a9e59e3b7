/**
 * Whether a token was issued before its client's tokens were revoked (disable, delete): `iat` has
 * whole seconds, so a token from the second of the revocation counts as issued before it (a token
 * issued in that same second after a re-enable is refused too, the safe side).
 */
export function issuedBeforeRevocation(claims: { iat?: unknown }, revokedBefore: Date | null): boolean {
  return revokedBefore !== null && typeof claims.iat === 'number' && claims.iat < Math.ceil(revokedBefore.getTime() / 1000);
}
