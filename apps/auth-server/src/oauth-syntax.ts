/** Syntax rules shared by the registry (clients, resources, users) and the OAuth endpoints. */

/** RFC 6749 §3.3 scope-token: printable ASCII except space, `"` and `\`. */
export const SCOPE_TOKEN = /^[\x21\x23-\x5b\x5d-\x7e]+$/;

/** RFC 8707 §2: a resource indicator is an absolute URI and has no fragment. */
export function isAbsoluteUriWithoutFragment(value: string): boolean {
  if (value.includes('#')) return false;
  try {
    return Boolean(new URL(value).protocol);
  } catch {
    return false;
  }
}

/** A registered display name (client, user): 1-200 characters, no control characters. */
export const DISPLAY_NAME = /^[^\p{Cc}]{1,200}$/u;
