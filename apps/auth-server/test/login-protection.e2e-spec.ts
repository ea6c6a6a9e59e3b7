import { randomBytes } from 'node:crypto';
import { hiddenFields, pkcePair } from '../../../scripts/support/login-form';
import { LoginEvents } from '../src/authorization/login-protection/login-events';
import { startAuthServer, TestAuthServer } from './support/auth-server.harness';
import { OutputCapture } from './support/output-capture';

const FAILURE_LIMIT = 3;
const PER_ADDRESS = 2;
const alice = { username: 'alice', password: 'alice-test-password' };

describe('sign-in protection: transaction-bound CSRF, per (account, address) backoff, bounded hashing, security events', () => {
  const capture = new OutputCapture();
  let server: TestAuthServer;

  beforeAll(async () => {
    server = await startAuthServer({
      logger: ['fatal', 'error', 'warn', 'log'],
      env: { LOGIN_FAILURE_LIMIT: String(FAILURE_LIMIT), LOGIN_HASH_PER_ADDRESS: String(PER_ADDRESS), LOGIN_HASH_CONCURRENCY: '2', LOGIN_HASH_QUEUE_LIMIT: '4' },
    });
    // The security events go to the logs: kept for the last test, out of the test output.
    capture.start();
  });
  afterAll(async () => {
    capture.stop();
    await server?.close();
  });

  const authorizeParams = (extra: Record<string, string> = {}) => ({
    response_type: 'code',
    client_id: 'demo-app',
    redirect_uri: 'http://127.0.0.1:53998/callback',
    scope: 'orders:read',
    state: randomBytes(6).toString('base64url'),
    code_challenge: pkcePair().challenge,
    code_challenge_method: 'S256',
    ...extra,
  });

  /** GET the sign-in form from an address: its hidden fields and the CSRF cookie. */
  async function form(address: string, params = authorizeParams()) {
    const page = await server.app.inject({ method: 'GET', url: `/oauth/authorize?${new URLSearchParams(params)}`, remoteAddress: address });
    expect(page.statusCode).toBe(200);
    const setCookie = page.headers['set-cookie'];
    const cookie = String(Array.isArray(setCookie) ? setCookie[0] : setCookie).split(';')[0]!;
    return { fields: hiddenFields(page.body), cookie };
  }

  /** POSTs the sign-in form from an address. */
  function submit(address: string, fields: Record<string, string>, cookie: string | undefined) {
    return server.app.inject({
      method: 'POST',
      url: '/oauth/authorize',
      remoteAddress: address,
      headers: { 'content-type': 'application/x-www-form-urlencoded', ...(cookie !== undefined ? { cookie } : {}) },
      payload: new URLSearchParams(fields).toString(),
    });
  }

  async function signIn(address: string, credentials: { username: string; password: string }) {
    const { fields, cookie } = await form(address);
    return submit(address, { ...fields, ...credentials }, cookie);
  }

  describe('CSRF bound to the login transaction', () => {
    it('the attacker-chosen CSRF cookie+field pair is refused', async () => {
      const { fields } = await form('198.51.100.1');
      // A cookie planted by the attacker and the same value in the form: the old double-submit check passed this.
      const chosen = randomBytes(32).toString('base64url');
      const response = await submit('198.51.100.1', { ...fields, ...alice, csrf: chosen }, `csrf=${chosen}`);
      expect(response.statusCode).toBe(400);
      expect(response.headers.location).toBeUndefined();
      expect(response.body).toContain('start again');
    });

    it("a real token refuses another authorization request's fields, another browser's cookie, and tampering", async () => {
      const mine = await form('198.51.100.2');
      const other = await form('198.51.100.2');
      const cases = [
        // The token and cookie of one transaction, submitted with another transaction's request (other PKCE challenge).
        { fields: { ...other.fields, csrf: mine.fields.csrf! }, cookie: mine.cookie },
        // The right token with another form's cookie.
        { fields: mine.fields, cookie: other.cookie },
        // An expiry moved forward.
        { fields: { ...mine.fields, csrf: mine.fields.csrf!.replace(/^\d+/, (expiry) => String(Number(expiry) + 3_600)) }, cookie: mine.cookie },
        // No cookie at all; and a cookie value that is not ASCII.
        { fields: mine.fields, cookie: undefined },
        { fields: mine.fields, cookie: 'csrf=ééééééééééééééééééééé' },
      ];
      for (const { fields, cookie } of cases) {
        const response = await submit('198.51.100.2', { ...fields, ...alice }, cookie);
        expect({ status: response.statusCode, refused: response.body.includes('start again') }).toEqual({ status: 400, refused: true });
      }
      // The untouched pair works.
      const ok = await submit('198.51.100.2', { ...mine.fields, ...alice }, mine.cookie);
      expect(ok.statusCode).toBe(302);
    });
  });

  describe('password attempts per (account, address)', () => {
    it('back off after the limit with a growing wait; a stranger cannot lock alice out from elsewhere', async () => {
      const attacker = '203.0.113.5';
      for (let i = 0; i < FAILURE_LIMIT; i++) {
        expect((await signIn(attacker, { username: 'alice', password: `guess-${i}` })).statusCode).toBe(400);
      }
      // From the attacker's address the next attempt waits, the right password included: no password is evaluated.
      const held = await signIn(attacker, alice);
      expect(held.statusCode).toBe(429);
      expect(Number(held.headers['retry-after'])).toBe(1);
      expect(held.body).toContain('Too many failed sign-ins');
      // alice from her own address is not affected.
      const own = await signIn('198.51.100.3', alice);
      expect(own.statusCode).toBe(302);
      // The wait doubles with each further failure.
      await new Promise((resolve) => setTimeout(resolve, 1_100));
      expect((await signIn(attacker, { username: 'alice', password: 'guess-again' })).statusCode).toBe(400);
      const longer = await signIn(attacker, alice);
      expect(longer.statusCode).toBe(429);
      expect(Number(longer.headers['retry-after'])).toBe(2);
      // Other accounts from the same address are not held.
      expect((await signIn(attacker, { username: 'bob', password: 'bob-test-password' })).statusCode).toBe(302);
    });
  });

  describe('bounded password hashing', () => {
    it(`one address gets at most ${PER_ADDRESS} password checks at once; the rest are refused at once with 429 and Retry-After`, async () => {
      const flooder = '203.0.113.6';
      const forms = await Promise.all(Array.from({ length: 8 }, () => form(flooder)));
      const responses = await Promise.all(
        forms.map(({ fields, cookie }, i) => submit(flooder, { ...fields, username: `nobody-${i}`, password: 'wrong' }, cookie)),
      );
      const statuses = responses.map((response) => response.statusCode);
      expect(statuses.filter((status) => status === 400).length).toBeGreaterThanOrEqual(1);
      expect(statuses.filter((status) => status === 400).length).toBeLessThanOrEqual(PER_ADDRESS);
      expect(statuses.filter((status) => status === 429).length).toBeGreaterThanOrEqual(8 - PER_ADDRESS);
      for (const response of responses.filter((r) => r.statusCode === 429)) {
        expect(response.headers['retry-after']).toBe('1');
        // The form comes back, ready for another try.
        expect(response.body).toContain('name="csrf"');
      }
      // Meanwhile, and after, another address signs in.
      expect((await signIn('198.51.100.4', alice)).statusCode).toBe(302);
    });
  });

  describe('security events', () => {
    it('a failed login logs an event without the password', async () => {
      const password = `never-log-this-${randomBytes(8).toString('hex')}`;
      expect((await signIn('198.51.100.77', { username: 'alice', password })).statusCode).toBe(400);
      expect((await signIn('198.51.100.78', alice)).statusCode).toBe(302);
      const hash = server.app.get(LoginEvents).usernameHash('alice');
      const [failure] = capture.lines().filter((line) => line.includes('sign-in failure') && line.includes('198.51.100.77'));
      expect(failure).toBeDefined();
      for (const field of ['"event":"login"', '"outcome":"failure"', '"clientId":"demo-app"', `"usernameHash":"${hash}"`, '"address":"198.51.100.77"']) {
        expect(failure!.replace(/\s/g, '')).toContain(field);
      }
      const [success] = capture.lines().filter((line) => line.includes('sign-in success') && line.includes('198.51.100.78'));
      expect(success?.replace(/\s/g, '')).toContain(`"usernameHash":"${hash}"`);
      // Neither the password nor the username itself, anywhere in the output.
      expect(capture.text()).not.toContain(password);
      expect(failure).not.toContain('alice');
    });

    it('sign-in outcomes are counted in /metrics', async () => {
      const metrics = (await server.app.inject({ method: 'GET', url: '/metrics' })).body;
      for (const outcome of ['success', 'failure', 'throttled']) {
        const line = metrics.split('\n').find((l) => l.startsWith('oauth_login_attempts_total{') && l.includes(`outcome="${outcome}"`));
        expect(Number(line?.split(' ').pop())).toBeGreaterThan(0);
      }
    });
  });
});
