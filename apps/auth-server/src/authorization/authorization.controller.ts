import { errorDescription, OAuthError, Public } from '@nest-oauth-m2m/auth';
import { Controller, Get, Inject, Post, Req, Res } from '@nestjs/common';
import { ConfigType } from '@nestjs/config';
import { ApiConsumes, ApiOperation, ApiProduces } from '@app/platform';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { ClientRegistry } from '../clients/client-registry';
import { redirectUriProblem } from '../clients/redirect-uri-policy';
import { GrantedAccess, GrantScopePolicy } from '../grant-scopes/grant-scope.policy';
import { authServerConfig } from '../config/auth-server.config';
import { HashingRefused, PasswordHashingGate } from '../users/password-hashing-gate';
import { UsersService } from '../users/users.service';
import { renderErrorPage, renderLoginPage } from './login-page';
import { LoginCsrf } from './login-protection/login-csrf';
import { LoginAttempt, LoginEvents } from './login-protection/login-events';
import { LoginThrottle } from './login-protection/login-throttle';
import { RefusalDelay } from './login-protection/refusal-delay';
import { isValidS256Challenge } from './pkce';
import { isRegisteredRedirectUri } from './redirect-uri';
import { UserGrantsService } from './user-grants.service';

/** Carried through the sign-in form as hidden fields, and bound to its CSRF token. */
const REQUEST_FIELDS = ['response_type', 'client_id', 'redirect_uri', 'scope', 'state', 'code_challenge', 'code_challenge_method', 'resource'] as const;

interface AuthorizationRequest {
  clientId: string;
  clientName: string;
  redirectUri: string;
  scopes: string[];
  /** The tokens' audience: the requested resource, or the one the scopes belong to (see GrantScopePolicy). */
  audience: string;
  /** The audience's registered name, shown on the sign-in page (the URI when it has none). */
  audienceName: string;
  state?: string;
  codeChallenge: string;
  fields: Record<string, string>;
}

/** An error we may send back to the client's redirect URI (it has been validated). */
class RedirectableError extends Error {
  constructor(
    readonly error: string,
    readonly description: string,
  ) {
    super(description);
  }
}

/** An error we must NOT redirect (the redirect URI or client is not trusted): shown as a page. */
class UntrustedRequest extends Error {}

function single(params: Record<string, unknown>, name: string): string | undefined {
  const value = params[name];
  if (Array.isArray(value)) throw new UntrustedRequest(`parameter "${name}" is repeated`);
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/**
 * The authorization endpoint (RFC 6749 §4.1.1) for end-user login: a server-rendered sign-in form,
 * PKCE S256 required, codes delivered to a registered redirect URI only (loopback: any port).
 */
// Outside the bearer guard (deny by default, see AdminAuthModule): the end user signs in here (login form, CSRF, PKCE).
@Public()
@Controller('oauth')
export class AuthorizationController {
  constructor(
    private readonly clients: ClientRegistry,
    private readonly users: UsersService,
    private readonly grants: UserGrantsService,
    private readonly scopePolicy: GrantScopePolicy,
    private readonly csrf: LoginCsrf,
    private readonly throttle: LoginThrottle,
    private readonly hashing: PasswordHashingGate,
    private readonly events: LoginEvents,
    private readonly refusalDelay: RefusalDelay,
    @Inject(authServerConfig.KEY) private readonly config: ConfigType<typeof authServerConfig>,
  ) {}

  @Get('authorize')
  @ApiOperation({
    summary: 'Authorization endpoint (RFC 6749 §4.1.1): the sign-in page',
    description:
      'Query: response_type=code, client_id, redirect_uri (registered), scope, state, code_challenge, code_challenge_method=S256, ' +
      'resource (RFC 8707, optional: the API the token is for; without it, the client\'s first API that defines every requested scope). ' +
      'Answers an HTML sign-in form; a bad client or redirect_uri gets an error page, never a redirect.',
  })
  @ApiProduces('text/html')
  async show(@Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    await this.handle(reply, async () => {
      const authorization = await this.validate((request.query ?? {}) as Record<string, unknown>);
      this.sendLoginPage(reply, authorization, 200);
    });
  }

  @Post('authorize')
  @ApiOperation({
    summary: 'Sign-in form submission',
    description:
      'Form-encoded: the authorization request fields, username, password and the CSRF token. Success: 302 to the ' +
      'redirect_uri with code and state; wrong password: the form again with 400.',
  })
  @ApiConsumes('application/x-www-form-urlencoded')
  async submit(@Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    await this.handle(reply, async () => {
      const contentType = String(request.headers['content-type'] ?? '');
      if (!contentType.startsWith('application/x-www-form-urlencoded')) throw new UntrustedRequest('the sign-in form must be form-encoded');
      const body = (request.body ?? {}) as Record<string, unknown>;
      const authorization = await this.validate(body);
      // The token must be ours, current, for this authorization request, and match the browser's cookie.
      if (!this.csrf.verify(single(body, 'csrf'), request.headers.cookie, authorization.fields)) {
        throw new UntrustedRequest('the sign-in form expired or was not submitted from this site; start again');
      }
      const username = single(body, 'username') ?? '';
      const attempt: LoginAttempt = { clientId: authorization.clientId, username, address: request.ip };
      const accountKey = this.events.usernameHash(username);
      // Backoff per (account, address), before any password is evaluated.
      const wait = this.throttle.waitSeconds(accountKey, attempt.address);
      if (wait > 0) {
        this.events.record('throttled', attempt, { retryAfterSeconds: wait });
        await this.refusalDelay.hold();
        this.sendLoginPage(reply, authorization, 429, `Too many failed sign-ins. Try again in ${wait} s.`, username, wait);
        return;
      }
      let user: Awaited<ReturnType<UsersService['authenticate']>>;
      try {
        user = await this.hashing.run(attempt.address, () => this.users.authenticate(username, single(body, 'password') ?? ''));
      } catch (error) {
        if (!(error instanceof HashingRefused)) throw error;
        this.events.record(error.status === 429 ? 'throttled' : 'busy', attempt, { retryAfterSeconds: error.retryAfterSeconds });
        await this.refusalDelay.hold();
        this.sendLoginPage(reply, authorization, error.status, 'Sign-in is busy. Try again in a moment.', username, error.retryAfterSeconds);
        return;
      }
      if (!user) {
        const backoff = this.throttle.failed(accountKey, attempt.address);
        this.events.record('failure', attempt, backoff ? { retryAfterSeconds: backoff } : {});
        this.sendLoginPage(reply, authorization, 400, 'Invalid username or password.', username);
        return;
      }
      this.throttle.succeeded(accountKey, attempt.address);
      this.events.record('success', attempt);
      const code = await this.grants.createCode({
        clientId: authorization.clientId,
        userId: user.id,
        redirectUri: authorization.redirectUri,
        codeChallenge: authorization.codeChallenge,
        scope: authorization.scopes.join(' '),
        audience: authorization.audience,
        authTime: new Date(),
      });
      // The form has done its job: drop the CSRF cookie so it cannot be replayed with this form.
      reply.header('set-cookie', this.csrf.clearCookie);
      this.redirect(reply, authorization, { code });
    });
  }

  private async validate(params: Record<string, unknown>): Promise<AuthorizationRequest> {
    const clientId = single(params, 'client_id');
    const redirectUri = single(params, 'redirect_uri');
    if (!clientId) throw new UntrustedRequest('client_id is missing');
    const registered = await this.clients.find(clientId);
    const client = registered?.client;
    if (!client || !client.enabled || !client.grantTypes.includes('authorization_code')) {
      throw new UntrustedRequest('unknown client');
    }
    if (!redirectUri || !isRegisteredRedirectUri(client.redirectUris, redirectUri)) {
      throw new UntrustedRequest('redirect_uri is not registered for this client');
    }
    // A row registered before the redirect URI rule (javascript:, http://evil…) never receives a redirect.
    if (redirectUriProblem(redirectUri, this.config)) {
      throw new UntrustedRequest('the registered redirect_uri is not allowed (https, http on a loopback IP, or a private-use scheme); ask the operator to update the client');
    }
    const fields: Record<string, string> = {};
    // RFC 8707 allows several resources; one token has one audience here, so that is invalid_target (below).
    const severalResources = Array.isArray(params.resource);
    for (const name of REQUEST_FIELDS) {
      if (name === 'resource' && severalResources) continue;
      const value = single(params, name);
      if (value !== undefined) fields[name] = value;
    }
    const base = { clientId, clientName: client.name, redirectUri, state: fields.state, fields };
    const fail = (error: string, description: string): never => {
      throw Object.assign(new RedirectableError(error, description), { target: base });
    };
    if (fields.response_type === undefined) fail('invalid_request', 'response_type is missing');
    if (fields.response_type !== 'code') fail('unsupported_response_type', 'response_type must be code');
    if (fields.code_challenge_method !== 'S256' || !fields.code_challenge || !isValidS256Challenge(fields.code_challenge)) {
      fail('invalid_request', 'PKCE is required: code_challenge with code_challenge_method=S256');
    }
    if (severalResources) fail('invalid_target', 'one resource per authorization request');
    let choice: GrantedAccess;
    try {
      choice = await this.scopePolicy.decide(client, { resource: fields.resource, scope: fields.scope });
    } catch (error) {
      // The policy's refusals (invalid_scope, invalid_target) go back to the validated redirect URI.
      if (error instanceof OAuthError) return fail(error.error, error.description);
      throw error;
    }
    return { ...base, scopes: choice.scopes, audience: choice.audience, audienceName: choice.audienceName, codeChallenge: fields.code_challenge! };
  }

  private sendLoginPage(reply: FastifyReply, authorization: AuthorizationRequest, status: number, error?: string, username?: string, retryAfterSeconds?: number): void {
    const csrf = this.csrf.issue(authorization.fields);
    if (retryAfterSeconds !== undefined) reply.header('retry-after', String(Math.max(1, Math.ceil(retryAfterSeconds))));
    reply
      .status(status)
      .headers(this.pageHeaders(new URL(authorization.redirectUri).origin))
      .header('set-cookie', csrf.setCookie)
      .send(renderLoginPage({ clientName: authorization.clientName, api: { uri: authorization.audience, name: authorization.audienceName }, scopes: authorization.scopes, fields: authorization.fields, csrfToken: csrf.token, error, username }));
  }

  private redirect(reply: FastifyReply, target: Pick<AuthorizationRequest, 'redirectUri' | 'state'>, params: Record<string, string>): void {
    const location = new URL(target.redirectUri);
    for (const [key, value] of Object.entries(params)) location.searchParams.set(key, value);
    if (target.state !== undefined) location.searchParams.set('state', target.state);
    location.searchParams.set('iss', this.config.issuer); // RFC 9207
    reply.status(302).header('cache-control', 'no-store').header('location', location.toString()).send();
  }

  private async handle(reply: FastifyReply, work: () => Promise<void>): Promise<void> {
    try {
      await work();
    } catch (error) {
      if (error instanceof RedirectableError) {
        const target = (error as RedirectableError & { target: Pick<AuthorizationRequest, 'redirectUri' | 'state'> }).target;
        this.redirect(reply, target, { error: error.error, error_description: errorDescription(error.description) });
      } else if (error instanceof UntrustedRequest) {
        reply.status(400).headers(this.pageHeaders()).send(renderErrorPage(error.message));
      } else {
        throw error;
      }
    }
  }

  /**
   * Headers of every HTML page. The sign-in page's form-action also allows the (already validated)
   * redirect URI's origin: browsers apply form-action to the redirect that answers the form post,
   * so with 'self' alone the 302 to the client would be blocked.
   */
  private pageHeaders(redirectOrigin?: string): Record<string, string> {
    const formAction = redirectOrigin ? `'self' ${redirectOrigin}` : "'self'";
    return {
      'content-type': 'text/html; charset=utf-8',
      'cache-control': 'no-store',
      'x-frame-options': 'DENY',
      'x-content-type-options': 'nosniff',
      'referrer-policy': 'no-referrer',
      'content-security-policy': `default-src 'none'; style-src 'unsafe-inline'; form-action ${formAction}; frame-ancestors 'none'`,
    };
  }
}
