/** One challenge of a `WWW-Authenticate` header (RFC 9110 §11.6.1). */
export interface AuthChallenge {
  /** Lower-cased scheme, e.g. `bearer`. */
  scheme: string;
  /** Auth-params with lower-cased names and unquoted values. */
  params: Record<string, string>;
  token68?: string;
}

const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
const TOKEN68 = /^[A-Za-z0-9\-._~+/]+=*$/;

/**
 * Parses a `WWW-Authenticate` value (several headers may have been joined with ", ").
 * Tolerant: an element it cannot read is skipped, never thrown on.
 */
export function parseWwwAuthenticate(header: string | null | undefined): AuthChallenge[] {
  if (!header) return [];
  const challenges: AuthChallenge[] = [];
  let current: AuthChallenge | undefined;
  for (const element of splitOutsideQuotes(header)) {
    const text = element.trim();
    if (!text) continue;
    const param = readParam(text);
    if (param && current) {
      current.params[param[0]] = param[1];
      continue;
    }
    const space = text.search(/[ \t]/);
    const scheme = space < 0 ? text : text.slice(0, space);
    if (!TOKEN.test(scheme)) continue;
    current = { scheme: scheme.toLowerCase(), params: {} };
    challenges.push(current);
    const rest = space < 0 ? '' : text.slice(space).trim();
    if (!rest) continue;
    const first = readParam(rest);
    if (first) current.params[first[0]] = first[1];
    else if (TOKEN68.test(rest)) current.token68 = rest;
  }
  return challenges;
}

/** True when a Bearer challenge says the presented token is bad (RFC 6750 §3.1 `invalid_token`). */
export function isInvalidTokenChallenge(header: string | null | undefined): boolean {
  return parseWwwAuthenticate(header).some((c) => c.scheme === 'bearer' && c.params.error === 'invalid_token');
}

/** `name=token` or `name="quoted string"`, else undefined. */
function readParam(text: string): [string, string] | undefined {
  const match = /^([!#$%&'*+.^_`|~0-9A-Za-z-]+)[ \t]*=[ \t]*(.*)$/s.exec(text);
  if (!match) return undefined;
  const name = match[1]!.toLowerCase();
  const raw = match[2]!.trim();
  if (raw.startsWith('"')) {
    if (raw.length < 2 || !raw.endsWith('"')) return undefined;
    return [name, raw.slice(1, -1).replace(/\\(.)/gs, '$1')];
  }
  return TOKEN.test(raw) ? [name, raw] : undefined;
}

function splitOutsideQuotes(header: string): string[] {
  const parts: string[] = [];
  let start = 0;
  let quoted = false;
  for (let i = 0; i < header.length; i++) {
    const c = header[i];
    if (quoted && c === '\\') i++;
    else if (c === '"') quoted = !quoted;
    else if (c === ',' && !quoted) {
      parts.push(header.slice(start, i));
      start = i + 1;
    }
  }
  parts.push(header.slice(start));
  return parts;
}
