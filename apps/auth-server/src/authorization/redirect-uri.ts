/**
 * Whether a requested redirect URI is registered: exact string match, except that a registered
 * loopback URI (`http://127.0.0.1/...` or `http://[::1]/...`) matches any port (RFC 8252 §7.3),
 * because native apps listen on an ephemeral port.
 */
export function isRegisteredRedirectUri(registered: readonly string[], requested: string): boolean {
  if (registered.includes(requested)) return true;
  let wanted: URL;
  try {
    wanted = new URL(requested);
  } catch {
    return false;
  }
  if (wanted.protocol !== 'http:' || !isLoopbackHost(wanted.hostname) || wanted.hash || wanted.username || wanted.password) {
    return false;
  }
  return registered.some((uri) => {
    try {
      const candidate = new URL(uri);
      return (
        candidate.protocol === 'http:' &&
        candidate.hostname === wanted.hostname &&
        candidate.pathname === wanted.pathname &&
        candidate.search === wanted.search
      );
    } catch {
      return false;
    }
  });
}

function isLoopbackHost(hostname: string): boolean {
  // `localhost` is deliberately not a loopback literal here (RFC 8252 §8.3).
  return hostname === '127.0.0.1' || hostname === '[::1]';
}
