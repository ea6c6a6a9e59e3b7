/**
 * PostgreSQL `text` cannot hold U+0000: a query parameter containing it fails with "invalid byte
 * sequence" (a 500 if it escapes). A value that cannot be stored cannot match a stored row either,
 * so lookups by untrusted identifiers check this first and answer "not found".
 */
export function isStorableText(value: string): boolean {
  return !value.includes('\0');
}
