/**
 * One JSON segment of a compact JWS (0 = protected header, 1 = payload), decoded without verifying
 * anything: for routing (which key, which type) and for reading a token we hold ourselves. `undefined`
 * when it is not a JSON object. The one place this package decodes JWT segments.
 */
export function decodeJwtSegment(token: string, index: 0 | 1): Record<string, unknown> | undefined {
  let start = 0;
  for (let i = 0; i < index; i++) {
    start = token.indexOf('.', start) + 1;
    if (start === 0) return undefined;
  }
  const end = token.indexOf('.', start);
  try {
    const value: unknown = JSON.parse(Buffer.from(token.slice(start, end < 0 ? undefined : end), 'base64url').toString('utf8'));
    return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}
