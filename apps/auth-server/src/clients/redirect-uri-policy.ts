/**
 * Which redirect URIs may be registered, and receive a redirect (RFC 9700 §4.1, RFC 8252 §7 and §8.3):
 *
 * - `https://host/…`;
 * - `http://` on a loopback IP literal only: `127.0.0.0/8` written as dotted decimal, or `[::1]`
 *   (RFC 8252 §7.3, native apps on an ephemeral port). `http://localhost` is allowed outside production
 *   only (the development explorer, an SPA on a dev server): RFC 8252 §8.3 advises against it, since the
 *   name may resolve to another interface or be firewalled, so production takes IP literals alone;
 * - a private-use scheme in reverse-DNS form, such as `com.example.app:/callback` (RFC 8252 §7.1): a
 *   scheme with a dot, so `javascript:`, `data:`, `vbscript:`, `file:` or `x:` never qualify;
 *
 * and never userinfo (`https://good.example@evil.example/`), a wildcard, a fragment (RFC 6749 §3.1.2), or
 * whitespace and control characters. Checked at registration (admin API and CLI, through
 * ClientLifecycleService) and again at the authorization endpoint, for rows written before the rule existed.
 */
export function redirectUriProblem(uri: string, options: { production: boolean }): string | undefined {
  // Control characters, spaces and non-ASCII: a URI has none; `*`: no wildcards; `#`: no fragment, even an empty one.
  if (!/^[\x21-\x7e]+$/.test(uri)) return 'must be printable ASCII without spaces';
  if (uri.includes('*')) return 'must not contain a wildcard (*)';
  if (uri.includes('#')) return 'must not have a fragment';
  let parsed: URL;
  try {
    parsed = new URL(uri);
  } catch {
    return 'is not an absolute URI';
  }
  const scheme = parsed.protocol.slice(0, -1);
  const authority = rawAuthority(uri);
  if (authority?.includes('@')) return 'must not carry userinfo (user@ or user:password@)';
  if (scheme === 'https') return parsed.hostname ? undefined : 'needs a host';
  if (scheme === 'http') {
    // The host as written (not as URL parsing normalises it: `2130706433` or `0x7f.1` become 127.0.0.1).
    const host = authority?.replace(/:\d*$/, '');
    if (host !== undefined && (isLoopbackIPv4(host) || host === '[::1]')) return undefined;
    if (host === 'localhost' && !options.production) return undefined;
    return 'may use http only on a loopback IP literal (127.0.0.1 or [::1]); use https otherwise';
  }
  if (PRIVATE_USE_SCHEME.test(scheme)) return undefined;
  return 'must be https, http on a loopback IP literal, or a private-use scheme in reverse-DNS form (e.g. com.example.app:/callback)';
}

/** RFC 8252 §7.1: a reverse domain name the app controls, so at least two labels. */
const PRIVATE_USE_SCHEME = /^[a-z][a-z0-9-]*(?:\.[a-z0-9-]+)+$/;

/** What follows `scheme://` up to the path, query or end, as written; undefined without `//`. */
export function rawAuthority(uri: string): string | undefined {
  const start = uri.indexOf('//');
  if (start < 0 || start !== uri.indexOf(':') + 1) return undefined;
  const rest = uri.slice(start + 2);
  const end = rest.search(/[/?#]/);
  return end < 0 ? rest : rest.slice(0, end);
}

/** 127.0.0.0/8 in canonical dotted decimal (no leading zeros, which some parsers read as octal). */
function isLoopbackIPv4(host: string): boolean {
  const parts = host.split('.');
  return parts.length === 4 && parts[0] === '127' && parts.every((part) => /^(?:0|[1-9]\d{0,2})$/.test(part) && Number(part) <= 255);
}
