import fc from 'fast-check';

/** Cases per fuzzed endpoint: a fixed-seed few hundred in `npm test`, FUZZ_RUNS (≥ 10,000) in `npm run test:fuzz`. */
export const FUZZ_RUNS = Number(process.env.FUZZ_RUNS ?? 250);
/** Fixed seed so `npm test` is reproducible; FUZZ_SEED replays a reported failure. */
export const FUZZ_SEED = Number(process.env.FUZZ_SEED ?? 20261123);
/** A request that takes longer than this counts as a hang. */
export const REQUEST_TIMEOUT_MS = 5_000;

/** Jest timeout for one fuzzed endpoint: generous, the property itself bounds each request. */
export const fuzzTestTimeout = () => Math.max(60_000, FUZZ_RUNS * 50);

export interface FuzzResponse {
  statusCode: number;
  headers: Record<string, unknown>;
  body: string;
}

/** Rejects if the request does not answer in time (a hang is a failed case, not a stuck suite). */
export async function withinTimeout<T>(promise: Promise<T>, label: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${REQUEST_TIMEOUT_MS} ms: ${label}`)), REQUEST_TIMEOUT_MS);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** RFC 6749 §5.2: error codes are printable ASCII without `"` and `\`; this project uses snake_case. */
const ERROR_CODE = /^[a-z][a-z_]*$/;
const ALLOWED_ERROR_FIELDS = new Set(['error', 'error_description', 'error_uri']);
/** RFC 6749 §5.2 / RFC 6750 §3: `error_description` is %x20-21 / %x23-5B / %x5D-7E only. */
const ERROR_DESCRIPTION = /^[\x20\x21\x23-\x5b\x5d-\x7e]*$/;
/** The error_description auth-param of a challenge, as sent (a quoted-string; §3 leaves nothing to escape). */
const CHALLENGE_DESCRIPTION = /error_description="((?:[^"\\]|\\.)*)"/;

/**
 * The fuzzing property: a 2xx with a JSON (or empty) body, or a 4xx with an RFC-shaped JSON error body.
 * Returns a reason string when the response breaks it (fast-check then shrinks the case).
 */
export function rfcShapeViolation(response: FuzzResponse): string | null {
  const { statusCode, headers, body } = response;
  if (statusCode >= 500) return `server error ${statusCode}: ${body.slice(0, 300)}`;
  if (statusCode < 200 || (statusCode >= 300 && statusCode < 400)) return `unexpected status ${statusCode}`;
  // RFC 7009 §2.2: a successful revocation may answer 200 with an empty body.
  if (statusCode >= 200 && statusCode < 300 && body === '') return null;
  const contentType = String(headers['content-type'] ?? '');
  if (!contentType.startsWith('application/json')) return `status ${statusCode} with content-type "${contentType}"`;
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return `status ${statusCode} with a body that is not JSON: ${body.slice(0, 200)}`;
  }
  if (statusCode < 300) return null;
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) return `error body is not an object: ${body.slice(0, 200)}`;
  const fields = parsed as Record<string, unknown>;
  if (typeof fields.error !== 'string' || !ERROR_CODE.test(fields.error)) return `bad "error": ${body.slice(0, 200)}`;
  for (const [name, value] of Object.entries(fields)) {
    if (!ALLOWED_ERROR_FIELDS.has(name)) return `unexpected field "${name}" in ${body.slice(0, 200)}`;
    if (typeof value !== 'string') return `field "${name}" is not a string`;
  }
  if (typeof fields.error_description === 'string' && !ERROR_DESCRIPTION.test(fields.error_description)) {
    return `error_description outside the RFC 6749 §5.2 characters: ${JSON.stringify(fields.error_description)}`;
  }
  const challenge = CHALLENGE_DESCRIPTION.exec(String(headers['www-authenticate'] ?? ''));
  if (challenge && !ERROR_DESCRIPTION.test(challenge[1]!)) {
    return `WWW-Authenticate error_description outside the RFC 6750 §3 characters: ${challenge[1]}`;
  }
  return null;
}

/** Counts unhandled rejections and uncaught exceptions while installed (the process must stay healthy). */
export function watchProcessFaults(): { faults: unknown[]; stop(): void } {
  const faults: unknown[] = [];
  const record = (error: unknown) => faults.push(error);
  process.on('unhandledRejection', record);
  process.on('uncaughtExceptionMonitor', record);
  return {
    faults,
    stop: () => {
      process.off('unhandledRejection', record);
      process.off('uncaughtExceptionMonitor', record);
    },
  };
}

const b64 = (value: string | Uint8Array) => Buffer.from(value).toString('base64');
const b64url = (value: string | Uint8Array) => Buffer.from(value).toString('base64url');

/** Short printable strings plus the characters parsers trip over. */
export const nastyString = (): fc.Arbitrary<string> =>
  fc.oneof(
    { weight: 4, arbitrary: fc.string({ maxLength: 40 }) },
    { weight: 2, arbitrary: fc.string({ unit: 'grapheme', maxLength: 20 }) },
    { weight: 3, arbitrary: fc.constantFrom('', ' ', '%', '%zz', '%E2%82', '+', ':', '::', '\0', '\u0000\u0001', '\uFFFD', '\uD800', '__proto__', 'constructor', '[]', '{}', 'null', 'undefined', "'; DROP TABLE clients; --", '../../etc/passwd', 'a'.repeat(300), 'é'.repeat(100)) },
    { weight: 1, arbitrary: fc.integer({ min: 0, max: 2_000 }).map((length) => 'x'.repeat(length)) },
  );

/** Oversized values from just under to well over the 32 KiB body limit, biased to the small side. */
export const lengthyString = (): fc.Arbitrary<string> =>
  fc.oneof({ weight: 12, arbitrary: nastyString() }, { weight: 1, arbitrary: fc.integer({ min: 1_000, max: 40_000 }).map((n) => 'a'.repeat(n)) });

/** Authorization headers: valid, broken Basic (bad base64, no colon, huge, non-UTF-8), other schemes, junk. */
export const authorizationHeader = (valid: { clientId: string; secret: string }[]): fc.Arbitrary<string | undefined> => {
  const encode = (value: string) => encodeURIComponent(value).replace(/%20/g, '+');
  return fc.oneof(
    fc.constant(undefined),
    fc.constantFrom(...valid).map(({ clientId, secret }) => `Basic ${b64(`${encode(clientId)}:${encode(secret)}`)}`),
    fc.tuple(fc.constantFrom(...valid), nastyString()).map(([{ clientId }, secret]) => `Basic ${b64(`${encode(clientId)}:${secret}`)}`),
    fc.tuple(nastyString(), nastyString()).map(([id, secret]) => `Basic ${b64(`${id}:${secret}`)}`),
    nastyString().map((raw) => `Basic ${b64(raw.replace(/:/g, ''))}`),
    fc.uint8Array({ maxLength: 64 }).map((bytes) => `Basic ${b64(bytes)}`),
    fc.uint8Array({ maxLength: 64 }).map((bytes) => `Basic ${b64(Buffer.concat([Buffer.from('order-service:'), bytes]))}`),
    fc.string({ unit: fc.constantFrom(...'AB+/=-_!*. \t'.split('')), maxLength: 60 }).map((junk) => `Basic ${junk}`),
    fc.integer({ min: 1_000, max: 15_000 }).map((length) => `Basic ${'QUFB'.repeat(length / 4)}`),
    fc.constantFrom('Basic', 'Basic ', 'basic Og==', 'Basic Og==', 'Basic Ojo=', 'Basic YTo=', 'Basic ===', 'Bearer x', 'Digest a=b', 'Basic\tYTpi', ''),
    fc.string({ unit: fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)), maxLength: 80 }),
    fc.uint8Array({ minLength: 1, maxLength: 40 }).map((bytes) => `Basic ${Buffer.from(bytes).toString('latin1').replace(/[\0-\x1f\x7f]/g, '')}`),
  );
};

/** Three dot-separated segments shaped like a JWT: random JSON headers and claims, random or empty signatures. */
export const jwtShapedString = (): fc.Arbitrary<string> => {
  const json = fc.oneof(
    fc.jsonValue().map((value) => JSON.stringify(value)),
    fc
      .record(
        {
          alg: fc.constantFrom('none', 'HS256', 'ES256', 'RS256', 'PS256', 'EdDSA', 'ES512', '', 'NONE'),
          typ: fc.constantFrom('at+jwt', 'JWT', 'application/at+jwt', ''),
          kid: nastyString(),
          jku: fc.constant('http://127.0.0.1:1/jwks.json'),
          crit: fc.constant(['exp']),
          b64: fc.boolean(),
        },
        { requiredKeys: [] },
      )
      .map((header) => JSON.stringify(header)),
    nastyString(),
  );
  const segment = fc.oneof(json.map(b64url), fc.base64String({ maxLength: 200 }), nastyString(), fc.uint8Array({ maxLength: 100 }).map(b64url));
  return fc.oneof(
    fc.tuple(segment, segment, segment).map((parts) => parts.join('.')),
    fc.array(segment, { maxLength: 6 }).map((parts) => parts.join('.')),
  );
};
