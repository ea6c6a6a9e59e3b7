/** Longest auth-param value sent; descriptions are short, a longer one only echoes input. */
const MAX_PARAM_LENGTH = 256;

/** Quotes an auth-param value per RFC 7235 §2.1 (quoted-string: escape `"` and `\`). */
export function quoteParam(value: string): string {
  // RFC 6750 §3 allows printable ASCII only. Control characters become spaces (no header splitting);
  // non-ASCII becomes "?": Node refuses e.g. U+FFFD in a header, which left the request unanswered.
  const clean = value
    .slice(0, MAX_PARAM_LENGTH)
    // eslint-disable-next-line no-control-regex
    .replace(/[\u0000-\u001f\u007f]/g, ' ')
    .replace(/[^\x20-\x7e]/g, '?');
  return `"${clean.replace(/[\\"]/g, (c) => `\\${c}`)}"`;
}

export function buildChallenge(scheme: string, params: Record<string, string | undefined>): string {
  const parts = Object.entries(params)
    .filter((entry): entry is [string, string] => entry[1] !== undefined)
    .map(([key, value]) => `${key}=${quoteParam(value)}`);
  return parts.length ? `${scheme} ${parts.join(', ')}` : scheme;
}
