/** Quotes an auth-param value per RFC 7235 §2.1 (quoted-string: escape `"` and `\`). */
export function quoteParam(value: string): string {
  // Control characters have no place in a header; drop them rather than break the header.
  // eslint-disable-next-line no-control-regex
  const clean = value.replace(/[\u0000-\u001f\u007f]/g, ' ');
  return `"${clean.replace(/[\\"]/g, (c) => `\\${c}`)}"`;
}

export function buildChallenge(scheme: string, params: Record<string, string | undefined>): string {
  const parts = Object.entries(params)
    .filter((entry): entry is [string, string] => entry[1] !== undefined)
    .map(([key, value]) => `${key}=${quoteParam(value)}`);
  return parts.length ? `${scheme} ${parts.join(', ')}` : scheme;
}
