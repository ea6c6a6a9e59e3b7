/**
 * Whether the request carried more than one `Authorization` header line.
 *
 * Node's HTTP parser keeps only the first `Authorization` in `req.headers` and drops the others
 * (https://nodejs.org/api/http.html#messageheaders), so `headers.authorization` is never an array:
 * the lines themselves are only in `rawHeaders`. A request with two is ambiguous (a proxy may have
 * checked the other one) and is answered 400 invalid_request (RFC 6750 §3.1), never authenticated as
 * the first. Express hands guards the IncomingMessage itself; Fastify its request, with the
 * IncomingMessage as `raw`.
 */
export function hasRepeatedAuthorization(request: { rawHeaders?: unknown; raw?: { rawHeaders?: unknown } }): boolean {
  const raw = request.rawHeaders ?? request.raw?.rawHeaders;
  if (!Array.isArray(raw)) return false;
  let seen = 0;
  // [name, value, name, value, …]; a length check first keeps this a few comparisons per header.
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i] as string;
    if (name.length === 13 && name.toLowerCase() === 'authorization' && ++seen > 1) return true;
  }
  return false;
}
