/**
 * The one Bearer parser of the package: the verified-token cache key (BearerAuthGuard) and what
 * passport-jwt verifies (BearerTokenStrategy's jwtFromRequest) both come from here.
 *
 * RFC 6750 §2.1: `credentials = "Bearer" 1*SP b64token`, with
 * `b64token = 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"="`; the scheme is
 * case-insensitive (RFC 9110 §11.1). Anything else after "Bearer" (a second word, a tab, a quote) is a
 * malformed request, answered invalid_request (RFC 6750 §3.1), never read as a token.
 *
 * Split in two so the guard's hot path stays cheap: `bearerTokenOf` only finds where the credentials
 * start (a few character reads), and the verified-token cache is looked up with that; `isB64Token`,
 * which reads every character, runs only on a cache miss, since a cached token passed it when it was
 * first verified. Hand-written character checks, no regex over a ~500-character token.
 */

/**
 * The credentials of a Bearer `Authorization` header: undefined when the header is absent or uses
 * another scheme (no bearer token at all), otherwise the text after "Bearer" and its spaces, which
 * is '' when nothing usable follows. Only a string that also passes `isB64Token` is a token.
 */
export function bearerTokenOf(authorization: unknown): string | undefined {
  if (typeof authorization !== 'string' || authorization.length < 6) return undefined;
  // "Bearer" then SP, or "Bearer" alone: the Bearer scheme. "Bearerx" would be another scheme.
  const next = authorization.charCodeAt(6);
  if (authorization.length > 6 && next !== 0x20 && isTokenChar(next)) return undefined;
  if (authorization.slice(0, 6).toLowerCase() !== 'bearer') return undefined;
  if (next !== 0x20) return '';
  let start = 7;
  while (authorization.charCodeAt(start) === 0x20) start++;
  return authorization.slice(start);
}

/** Whether `value` is exactly one RFC 6750 b64token (so nothing follows the token). */
export function isB64Token(value: string): boolean {
  const length = value.length;
  let end = length;
  while (end > 0 && value.charCodeAt(end - 1) === 0x3d /* = */) end--;
  if (end === 0) return false;
  for (let i = 0; i < end; i++) {
    const c = value.charCodeAt(i);
    if (
      !(
        (c >= 0x61 && c <= 0x7a) || // a-z
        (c >= 0x41 && c <= 0x5a) || // A-Z
        (c >= 0x30 && c <= 0x39) || // 0-9
        c === 0x2d || // -
        c === 0x2e || // .
        c === 0x5f || // _
        c === 0x7e || // ~
        c === 0x2b || // +
        c === 0x2f // /
      )
    ) {
      return false;
    }
  }
  return true;
}

/** The strict extraction as passport-jwt's `jwtFromRequest`: the token, or null when there is none. */
export function strictBearerToken(request: { headers?: Record<string, unknown> }): string | null {
  const token = bearerTokenOf(request.headers?.authorization);
  return token !== undefined && isB64Token(token) ? token : null;
}

/** RFC 9110 §5.6.2 tchar: whether the scheme name goes on past "Bearer". */
function isTokenChar(c: number): boolean {
  return (
    (c >= 0x61 && c <= 0x7a) ||
    (c >= 0x41 && c <= 0x5a) ||
    (c >= 0x30 && c <= 0x39) ||
    "!#$%&'*+-.^_`|~".includes(String.fromCharCode(c))
  );
}
