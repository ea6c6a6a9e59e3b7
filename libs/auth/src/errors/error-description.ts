/** Longest `error_description` sent; ours are short, a longer one only echoes request input. */
export const MAX_ERROR_DESCRIPTION_LENGTH = 200;

/**
 * The one sanitiser for `error_description`, wherever it goes: the token, introspection and revocation
 * error bodies, WWW-Authenticate challenges (RFC 6750 §3) and authorization error redirects. RFC 6749
 * §5.2 and §4.1.2.1 allow only %x20-21 / %x23-5B / %x5D-7E: printable ASCII without `"` and `\`.
 * OAuthError applies it to every description it is given, so no path can send anything else.
 *
 * `"` becomes `'` (our own messages quote parameter names); control characters become spaces (no
 * header splitting); `\` and anything outside ASCII become `?` (descriptions can quote request values,
 * such as a refused scope). Overly long text is cut.
 */
export function errorDescription(text: string, maxLength = MAX_ERROR_DESCRIPTION_LENGTH): string {
  let safe = text;
  // The common case (our own ASCII messages) costs one test and no copy.
  if (!ERROR_DESCRIPTION_SAFE.test(safe)) {
    safe = safe
      .replace(/"/g, "'")
      // eslint-disable-next-line no-control-regex
      .replace(/[\u0000-\u001f\u007f]/g, ' ')
      .replace(/[^\x20\x21\x23-\x5b\x5d-\x7e]/g, '?');
  }
  return safe.length > maxLength ? `${safe.slice(0, maxLength - 3)}...` : safe;
}

/** RFC 6749 §5.2 `error_description` characters, the whole value. */
export const ERROR_DESCRIPTION_SAFE = /^[\x20\x21\x23-\x5b\x5d-\x7e]*$/;
