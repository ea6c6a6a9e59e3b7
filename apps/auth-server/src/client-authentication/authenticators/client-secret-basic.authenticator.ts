import { hasRepeatedAuthorization, InvalidClient, InvalidRequest } from '@nest-oauth-m2m/auth';
import { Injectable } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { BasicStrategy } from 'passport-http';
import type { AuthenticatedClient } from '../authenticated-client';
import { formUrlDecode, parseBasicCredentials } from '../basic-credentials';
import type { ClientAuthenticator } from '../client-authenticator';
import { ClientSecretVerifier } from '../client-secret.verifier';

/** The Authorization header as passport-http read it: credentials, or why it refused them. */
type BasicCredential = { readonly clientId: string; readonly secret: string } | { readonly clientId?: undefined; readonly refusal: string };

const MALFORMED: BasicCredential = { refusal: 'malformed Basic credentials' };
const REFUSED: BasicCredential = { refusal: 'client authentication failed' };
/** `Basic ` (any case: passport-http matched the scheme) before the base64 token. */
const SCHEME_LENGTH = 'Basic '.length;

/** The actions passport gives a strategy for one request (passport-strategy's protocol; the typings leave them out). */
interface StrategyRun {
  success(user: { userid: string; password: string }): void;
  fail(challengeOrStatus?: unknown): void;
  error(error: unknown): void;
  authenticate(request: unknown): void;
}

/**
 * client_secret_basic (RFC 6749 §2.3.1): HTTP Basic, read by passport-http's BasicStrategy. The
 * strategy runs here the way passport runs one (a per-request object with its success and fail
 * actions; passport-http's parse is synchronous), which hands its parse to the guard instead of
 * ending in a verify callback: the credential is read once, and the failure throttle counts by the
 * client id read there.
 *
 * Two things passport-http does not do are added on top of its parse, not instead of it:
 * - RFC 6749 Appendix B: the client id and secret are form-urlencoded before base64, so both fields
 *   are form-urldecoded (a `+`, `%2B` or `%3A` in a secret arrives as the client meant it);
 * - RFC 7617 lets a password hold a `:`; passport-http splits on every `:` and keeps two fields. A
 *   client following Appendix B sends `%3A`, so its header is exactly what passport-http read. A
 *   header longer than that (a raw `:` in the secret, or anything passport-http skipped) is read by
 *   the RFC parse instead: this is the one case that reads a header twice, and it never cuts a
 *   secret short (a secret is never checked on a prefix).
 */
@Injectable()
export class ClientSecretBasicAuthenticator implements ClientAuthenticator<BasicCredential> {
  readonly method = 'client_secret_basic';
  private readonly strategy = new BasicStrategy((userid, password, done) => done(null, { userid, password }));

  constructor(private readonly secrets: ClientSecretVerifier) {}

  /** Any Authorization header is this method (another scheme is a failed Basic authentication). */
  detect(request: FastifyRequest): BasicCredential | undefined {
    const header = request.headers.authorization;
    if (header === undefined) return undefined;
    // Node keeps only the first of several Authorization lines in `headers`: never authenticate by it.
    if (hasRepeatedAuthorization(request)) throw new InvalidRequest('more than one Authorization header');
    return this.read(request, header);
  }

  async authenticate(credential: BasicCredential): Promise<AuthenticatedClient> {
    if (credential.clientId === undefined) throw new InvalidClient(credential.refusal, 'Basic');
    return this.secrets.verify(credential.clientId, credential.secret, 'client_secret_basic');
  }

  private read(request: FastifyRequest, header: string): BasicCredential {
    let credential = MALFORMED;
    const run = Object.create(this.strategy) as StrategyRun;
    run.success = ({ userid, password }) => (credential = decoded(header, userid, password));
    // Status 400: not Basic credentials at all (no space, no `:`); a challenge: another scheme, an
    // empty id or secret, which count as a failed authentication.
    run.fail = (challengeOrStatus) => (credential = challengeOrStatus === 400 ? MALFORMED : REFUSED);
    run.error = () => (credential = MALFORMED); // the verify above never errs
    run.authenticate(request);
    return credential;
  }
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
