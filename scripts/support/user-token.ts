/**
 * `npm run -s token -- --user alice`: a user access token from a terminal, through the same
 * authorization code + PKCE flow a native app runs (RFC 8252 loopback redirect). No listener is
 * needed: the code is read from the sign-in form's 302 Location, never followed.
 */
import { randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';
import { hiddenFields, pkcePair, unescapeHtml } from './login-form';

/** Registered for demo-app; any public client used here needs it too (loopback: any port matches). */
export const LOOPBACK_REDIRECT_URI = 'http://127.0.0.1/callback';
const REQUEST_TIMEOUT_MS = 10_000;

export const TOKEN_USAGE = `usage: npm run -s token -- --user <name> [options]

Signs in as <name> (authorization code + PKCE, redirect ${LOOPBACK_REDIRECT_URI}) and prints the
access token alone on stdout:  TOKEN=$(npm run -s token -- --user alice)

  --user <name>        the end user to sign in as (required)
  --client <id>        public client with ${LOOPBACK_REDIRECT_URI} registered (default demo-app)
  --resource <uri>     RFC 8707 resource (the token's audience), sent to /oauth/authorize and /oauth/token
  --scope "<a b>"      scopes to ask for (default: the client's default scopes)
  --password-stdin     read the password from stdin (default for alice and bob: ALICE_PASSWORD / BOB_PASSWORD)
  --json               print the whole token response (access, refresh token, expiry, scope) as JSON
  -h, --help           this text

The auth-server is AUTH_SERVER_URL, else http://localhost:$AUTH_SERVER_PORT (3000); variables come from
the environment, then .env, then .env.example.
`;

export interface TokenRequest {
  authServerUrl: string;
  clientId: string;
  username: string;
  password: string;
  scope?: string;
  resource?: string;
}

export interface TokenResponse {
  access_token: string;
  [name: string]: unknown;
}

/** A failure the user can act on: printed as one line, exit 1. */
export class TokenCommandError extends Error {}

export interface TokenCommandIo {
  env: NodeJS.ProcessEnv;
  readStdin: () => Promise<string>;
  stdout: (text: string) => void;
  stderr: (text: string) => void;
}

/** The sentence the auth-server put on its error page or the sign-in form's alert. */
function pageMessage(html: string): string {
  const alert = /<p class="error"[^>]*>([^<]*)<\/p>/.exec(html)?.[1] ?? /<p>([^<]*)<\/p>/.exec(html)?.[1];
  return alert ? unescapeHtml(alert).trim() : 'no explanation given';
}

async function send(authServerUrl: string, url: string, init: RequestInit = {}): Promise<Response> {
  try {
    return await fetch(url, { ...init, redirect: 'manual', signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) });
  } catch (error) {
    const reason = (error as Error).name === 'TimeoutError' ? `no answer within ${REQUEST_TIMEOUT_MS / 1000} s` : 'not reachable';
    throw new TokenCommandError(`the auth-server at ${authServerUrl} is ${reason}: start it with npm start (or set AUTH_SERVER_URL)`);
  }
}

/** An authorization response (RFC 6749 §4.1.2) from a Location header: the code, or the error it carries. */
function codeFrom(location: string | null, state: string, hint: (error: string) => string): string {
  if (!location) throw new TokenCommandError('the auth-server redirected without a Location header');
  const params = new URL(location).searchParams;
  const error = params.get('error');
  if (error) {
    const description = params.get('error_description');
    throw new TokenCommandError(`${error}${description ? `: ${description}` : ''}${hint(error)}`);
  }
  if (params.get('state') !== state) throw new TokenCommandError('the authorization response does not carry our state; refusing its code');
  const code = params.get('code');
  if (!code) throw new TokenCommandError('the authorization response carries no code');
  return code;
}

export async function requestUserToken(request: TokenRequest): Promise<TokenResponse> {
  const base = request.authServerUrl.replace(/\/$/, '');
  const { verifier, challenge } = pkcePair();
  const state = randomBytes(16).toString('base64url');
  const authorize = new URL(`${base}/oauth/authorize`);
  const params: Record<string, string | undefined> = {
    response_type: 'code',
    client_id: request.clientId,
    redirect_uri: LOOPBACK_REDIRECT_URI,
    scope: request.scope,
    resource: request.resource,
    state,
    code_challenge: challenge,
    code_challenge_method: 'S256',
  };
  for (const [name, value] of Object.entries(params)) if (value !== undefined) authorize.searchParams.set(name, value);
  const hint = (error: string) =>
    error === 'invalid_scope' || error === 'invalid_target'
      ? ` (see what ${request.clientId} may ask for: npm run -s cli -- clients show ${request.clientId})`
      : '';

  const page = await send(base, authorize.toString());
  const html = await page.text();
  if (page.status === 302 || page.status === 303) codeFrom(page.headers.get('location'), state, hint); // always an error here
  if (page.status === 400 && /redirect_uri/.test(pageMessage(html))) {
    throw new TokenCommandError(
      `${pageMessage(html)} (${request.clientId} needs ${LOOPBACK_REDIRECT_URI}: npm run -s cli -- clients update ${request.clientId} --add-redirect-uri ${LOOPBACK_REDIRECT_URI})`,
    );
  }
  if (page.status === 400) throw new TokenCommandError(`the auth-server refused client ${request.clientId}: ${pageMessage(html)}`);
  if (page.status !== 200) throw new TokenCommandError(`the sign-in page answered ${page.status}: ${pageMessage(html)}`);

  // Submit the form as a browser would: its hidden fields (the authorization request and the CSRF
  // token, signed over that request) and the cookie that goes with them.
  const cookie = page.headers.getSetCookie().map((value) => value.split(';')[0]).join('; ');
  const form = new URLSearchParams({ ...hiddenFields(html), username: request.username, password: request.password });
  const submitted = await send(base, `${base}/oauth/authorize`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', cookie },
    body: form.toString(),
  });
  const answer = await submitted.text();
  if (submitted.status === 400) throw new TokenCommandError(`sign-in as ${request.username} failed: ${pageMessage(answer)}`);
  if (submitted.status === 429 || submitted.status === 503) {
    throw new TokenCommandError(`sign-in as ${request.username} refused for now (${submitted.status}): ${pageMessage(answer)}`);
  }
  if (submitted.status !== 302) throw new TokenCommandError(`the sign-in form answered ${submitted.status}: ${pageMessage(answer)}`);
  const code = codeFrom(submitted.headers.get('location'), state, hint);

  const exchange = await send(base, `${base}/oauth/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'authorization_code',
      code,
      redirect_uri: LOOPBACK_REDIRECT_URI,
      client_id: request.clientId,
      code_verifier: verifier,
      ...(request.resource !== undefined ? { resource: request.resource } : {}),
    }).toString(),
  });
  const text = await exchange.text();
  let body: Record<string, unknown> = {};
  try {
    body = JSON.parse(text) as Record<string, unknown>;
  } catch {
    // not JSON: reported below by status
  }
  if (exchange.status !== 200 || typeof body.access_token !== 'string') {
    const error = typeof body.error === 'string' ? `${body.error}${typeof body.error_description === 'string' ? `: ${body.error_description}` : ''}` : `status ${exchange.status}`;
    throw new TokenCommandError(`the token endpoint refused the code: ${error}`);
  }
  return body as TokenResponse;
}

/** The password for a demo user from the environment, else undefined (then --password-stdin). */
function demoPassword(env: NodeJS.ProcessEnv, username: string): string | undefined {
  const passwords: Record<string, string | undefined> = { alice: env.ALICE_PASSWORD, bob: env.BOB_PASSWORD };
  return Object.hasOwn(passwords, username) ? passwords[username] || undefined : undefined;
}

/** Runs the command; returns the exit code (0, 1 for a refused or failed sign-in, 2 for bad usage). */
export async function runTokenCommand(argv: string[], io: TokenCommandIo): Promise<number> {
  let values: { user?: string; client?: string; resource?: string; scope?: string; 'password-stdin'?: boolean; json?: boolean; help?: boolean };
  try {
    ({ values } = parseArgs({
      args: argv,
      strict: true,
      allowPositionals: false,
      options: {
        user: { type: 'string' },
        client: { type: 'string', default: 'demo-app' },
        resource: { type: 'string' },
        scope: { type: 'string' },
        'password-stdin': { type: 'boolean' },
        json: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (error) {
    io.stderr(`token: ${(error as Error).message}\n${TOKEN_USAGE}`);
    return 2;
  }
  if (values.help) {
    io.stdout(TOKEN_USAGE);
    return 0;
  }
  if (!values.user) {
    io.stderr(`token: --user is required\n${TOKEN_USAGE}`);
    return 2;
  }
  const username = values.user;
  try {
    const password = values['password-stdin'] ? (await io.readStdin()).replace(/\r?\n$/, '') : demoPassword(io.env, username);
    if (!password) {
      throw new TokenCommandError(
        values['password-stdin'] ? 'no password on stdin' : `no password for ${username}: pipe it in with --password-stdin (only alice and bob have one in the environment)`,
      );
    }
    const authServerUrl = io.env.AUTH_SERVER_URL || `http://localhost:${io.env.AUTH_SERVER_PORT || 3000}`;
    const tokens = await requestUserToken({ authServerUrl, clientId: values.client!, username, password, scope: values.scope, resource: values.resource });
    io.stdout(values.json ? `${JSON.stringify(tokens, null, 2)}\n` : `${tokens.access_token}\n`);
    return 0;
  } catch (error) {
    if (!(error instanceof TokenCommandError)) throw error;
    io.stderr(`token: ${error.message}\n`);
    return 1;
  }
}
