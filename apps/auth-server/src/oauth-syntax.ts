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

/**
 * Bidirectional-text controls (U+202A-U+202E embeddings and overrides, U+2066-U+2069 isolates, the
 * marks U+200E, U+200F, U+061C): in a name shown to operators and users they reorder what is read
 * ("Trojan Source", CVE-2021-42574).
 */
export const BIDI_CONTROLS = /[\u061C\u200E\u200F\u202A-\u202E\u2066-\u2069]/u;

/** A registered display name (client, user): 1-200 characters, no control characters, no bidi controls. */
export const DISPLAY_NAME = /^[^\p{Cc}\u061C\u200E\u200F\u202A-\u202E\u2066-\u2069]{1,200}$/u;
