/**
 * RFC 6749 §4.1.2.1: `error_description` may only hold %x20-21 / %x23-5B / %x5D-7E (printable ASCII
 * without `"` and `\`). Descriptions can quote request values (a refused scope), so anything else
 * becomes `?`; overly long text is cut.
 */
export function errorDescription(text: string, maxLength = 200): string {
  const safe = text.replace(/[^\x20\x21\x23-\x5b\x5d-\x7e]/g, '?');
  return safe.length > maxLength ? `${safe.slice(0, maxLength - 3)}...` : safe;
}
