/**
 * Parses `Authorization: Basic` for client_secret_basic per RFC 6749 §2.3.1: client id and secret are
 * form-urlencoded (Appendix B) before base64, so split on the first `:` and then decode each part.
 * Returns null when the header is not usable credentials.
 */
export function parseBasicCredentials(header: string): { clientId: string; secret: string } | null {
  const match = /^Basic[ \t]+([A-Za-z0-9+/\-_]+={0,2})[ \t]*$/i.exec(header);
  if (!match) return null;
  const decoded = Buffer.from(match[1]!, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return null;
  const clientId = formUrlDecode(decoded.slice(0, colon));
  const secret = formUrlDecode(decoded.slice(colon + 1));
  if (clientId === null || secret === null || clientId === '') return null;
  return { clientId, secret };
}

/** application/x-www-form-urlencoded decoding of one value; null when the %-escapes are malformed. */
export function formUrlDecode(value: string): string | null {
  // The usual id and secret (base64url secrets, plain ids) hold neither: nothing to decode.
  if (!value.includes('%') && !value.includes('+')) return value;
  try {
    return decodeURIComponent(value.replace(/\+/g, ' '));
  } catch {
    return null;
  }
}
