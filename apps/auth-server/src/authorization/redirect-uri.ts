/**
 * Whether a requested redirect URI is registered (RFC 9700 §4.1.3, RFC 6749 §3.1.2.3): a byte-exact
 * string comparison, never a comparison after URL parsing. Parsing normalises (`/x/../callback` becomes
 * `/callback`, the host `2130706433` becomes `127.0.0.1`, `%7e` becomes `~`), so a URI the client never
 * registered could be made to compare equal to one it did.
 *
 * The one exception is RFC 8252 §7.3: for a registered loopback IP literal (`http://127.0.0.1...` or
 * `http://[::1]...`) the port may differ, because native apps listen on an ephemeral port. Everything
 * else, scheme, host spelling, path, query, still compares byte for byte. `localhost` is deliberately
 * not a loopback literal here (RFC 8252 §8.3: it may resolve elsewhere), so a `localhost` URI matches
 * exactly, port included.
 */
export function isRegisteredRedirectUri(registered: readonly string[], requested: string): boolean {
  if (registered.includes(requested)) return true;
  const wanted = withoutLoopbackPort(requested);
  if (wanted === undefined) return false;
  return registered.some((uri) => withoutLoopbackPort(uri) === wanted);
}

const LOOPBACK_PREFIXES = ['http://127.0.0.1', 'http://[::1]'];
const MAX_PORT = 65_535;

/**
 * A loopback IP literal URI with its port (if any) cut out, the rest untouched; undefined for any
 * other URI. Plain string work, so nothing is normalised on the way.
 */
function withoutLoopbackPort(uri: string): string | undefined {
  const prefix = LOOPBACK_PREFIXES.find((candidate) => uri.startsWith(candidate));
  if (prefix === undefined) return undefined;
  let end = prefix.length;
  if (uri.charCodeAt(end) === 0x3a /* : */) {
    const portStart = end + 1;
    end = portStart;
    while (end < uri.length && end - portStart <= 5 && uri.charCodeAt(end) >= 0x30 && uri.charCodeAt(end) <= 0x39) end++;
    const port = uri.slice(portStart, end);
    // A port is 1-5 digits, 1..65535, no leading zero (a second spelling of the same port).
    if (!port || port.length > 5 || port[0] === '0' || Number(port) > MAX_PORT) return undefined;
  }
  const rest = uri.slice(end);
  // The authority must end here: `http://127.0.0.1.evil.example/` or `http://127.0.0.1@evil/` is another host.
  if (rest !== '' && rest[0] !== '/' && rest[0] !== '?') return undefined;
  return prefix + rest;
}
