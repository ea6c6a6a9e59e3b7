/**
 * The credentials of `Authorization: Bearer <token>` (scheme case-insensitive): the one parser, both
 * the verified-token cache key and what passport-jwt verifies (its jwtFromRequest). Plain string work:
 * a regex over a ~500-character token is the guard's largest cost on a cache hit.
 */
export function bearerTokenOf(authorization: unknown): string | undefined {
  if (typeof authorization !== 'string' || authorization.length < 8) return undefined;
  if (authorization.charCodeAt(6) !== 0x20 || authorization.slice(0, 6).toLowerCase() !== 'bearer') return undefined;
  let start = 7;
  while (authorization.charCodeAt(start) === 0x20) start++;
  return start < authorization.length ? authorization.slice(start) : undefined;
}
