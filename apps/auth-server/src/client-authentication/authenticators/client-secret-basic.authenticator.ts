import { hasRepeatedAuthorization, InvalidClient, InvalidRequest } from '@nest-oauth-m2m/auth';
import { Injectable } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import type { AuthenticatedClient } from '../authenticated-client';
import { formUrlDecode, parseBasicCredentials } from '../basic-credentials';
import type { ClientAuthenticator } from '../client-authenticator';
import { ClientSecretVerifier } from '../client-secret.verifier';

/** The Authorization header as read: credentials, or why they were refused. */
type BasicCredential = { readonly clientId: string; readonly secret: string } | { readonly clientId?: undefined; readonly refusal: string };

const MALFORMED: BasicCredential = { refusal: 'malformed Basic credentials' };
const REFUSED: BasicCredential = { refusal: 'client authentication failed' };
/** `Basic ` (any case: the scheme test is case-insensitive) before the base64 token. */
const SCHEME_LENGTH = 'Basic '.length;

/**
 * client_secret_basic (RFC 6749 §2.3.1): HTTP Basic. The header is read by passport-http's
 * BasicStrategy parse (0.3.0), kept step for step in `read` below with the same outcomes (two fields;
 * malformed: no space or no `:`; refused: another scheme, an empty id or secret) but without
 * passport: a per-request strategy object and Node's `new Buffer()` deprecation check (a stack
 * capture per call for the first 10,000 calls) cost ~5 % of the token endpoint's busy time. The
 * credential is read once, and the failure throttle counts by the client id read there.
 *
 * Two things passport-http's parse does not do are added on top of it, not instead of it:
 * - RFC 6749 Appendix B: the client id and secret are form-urlencoded before base64, so both fields
 *   are form-urldecoded (a `+`, `%2B` or `%3A` in a secret arrives as the client meant it);
 * - RFC 7617 lets a password hold a `:`; the parse splits on every `:` and keeps two fields. A
 *   client following Appendix B sends `%3A`, so its header is exactly what the parse read. A
 *   header longer than that (a raw `:` in the secret, or anything the parse skipped) is read by
 *   the RFC parse instead: this is the one case that reads a header twice, and it never cuts a
 *   secret short (a secret is never checked on a prefix).
 */
@Injectable()
export class ClientSecretBasicAuthenticator implements ClientAuthenticator<BasicCredential> {
  readonly method = 'client_secret_basic';

  constructor(private readonly secrets: ClientSecretVerifier) {}

  /** Any Authorization header is this method (another scheme is a failed Basic authentication). */
  detect(request: FastifyRequest): BasicCredential | undefined {
    const header = request.headers.authorization;
    if (header === undefined) return undefined;
    // Node keeps only the first of several Authorization lines in `headers`: never authenticate by it.
    if (hasRepeatedAuthorization(request)) throw new InvalidRequest('more than one Authorization header');
    return read(header);
  }

  async authenticate(credential: BasicCredential): Promise<AuthenticatedClient> {
    if (credential.clientId === undefined) throw new InvalidClient(credential.refusal, 'Basic');
    return this.secrets.verify(credential.clientId, credential.secret, 'client_secret_basic');
  }
}

/**
 * passport-http's BasicStrategy parse (0.3.0), step for step and in its order, so what it refused is
 * refused the same way: its `fail(400)` is MALFORMED, its `fail(challenge)` is REFUSED.
 */
function read(header: string): BasicCredential {
  if (!header) return REFUSED;
  const parts = header.split(' ');
  if (parts.length < 2) return MALFORMED;
  const fields = Buffer.from(parts[1]!, 'base64').toString().split(':');
  if (!/Basic/i.test(parts[0]!)) return REFUSED;
  if (fields.length < 2) return MALFORMED;
  const [userid, password] = fields as [string, string];
  if (!userid || !password) return REFUSED;
  return decoded(header, userid, password);
}

/** passport-http's two fields, form-urldecoded (Appendix B), when they are the whole header. */
function decoded(header: string, userid: string, password: string): BasicCredential {
  // The whole header: `Basic ` and the base64 of exactly what passport-http read (a tail after a
  // second `:`, blanks, a longer scheme or characters base64 skips all make it differ).
  if (header.slice(SCHEME_LENGTH) !== Buffer.from(`${userid}:${password}`).toString('base64')) {
    return parseBasicCredentials(header) ?? MALFORMED;
  }
  const clientId = formUrlDecode(userid);
  const secret = formUrlDecode(password);
  return clientId === null || secret === null ? MALFORMED : { clientId, secret };
}
