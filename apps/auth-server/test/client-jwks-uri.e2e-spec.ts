import { CryptoKey, exportJWK, generateKeyPair } from 'jose';
import { createServer, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import { Client } from 'pg';
import { closedPortUrl } from '../../../libs/auth/test/support/local-http-servers';
import { clientAssertion, postForm, startAuthServer, TEST_ACTOR, TestAuthServer } from './support/auth-server.harness';

/**
 * Issue 24 item 4: a private_key_jwt client's jwks_uri was fetched wherever it pointed, by anyone
 * presenting an assertion naming the client, and the error told apart "answered a JWKS", "answered
 * something else" and "closed": a blind SSRF with a reachability oracle.
 */
describe('clients jwks_uri: no blind SSRF, no oracle', () => {
  let privateKey: CryptoKey;
  let jwks: object;
  let hits = 0;
  let keys: Server;
  let keysUrl: string;

  beforeAll(async () => {
    const pair = await generateKeyPair('ES256');
    privateKey = pair.privateKey;
    jwks = { keys: [{ ...(await exportJWK(pair.publicKey)), kid: 'k1', alg: 'ES256' }] };
    // One local server, a path per behaviour.
    keys = createServer((request, response) => {
      hits++;
      if (request.url === '/jwks') response.setHeader('content-type', 'application/json').end(JSON.stringify(jwks));
      else if (request.url === '/other-jwks') response.end(JSON.stringify({ keys: [{ ...(jwks as { keys: object[] }).keys[0], kid: 'other' }] }));
      else if (request.url === '/html') response.end('<html>admin console</html>');
      else if (request.url === '/redirect') response.writeHead(302, { location: '/jwks' }).end();
      else if (request.url === '/huge') response.end(`{"keys":[],"pad":"${'x'.repeat(200_000)}"}`);
      else if (request.url === '/hang') return; // never answers: the fetch times out
      else response.writeHead(404).end();
    });
    await new Promise<void>((resolve) => keys.listen(0, '127.0.0.1', resolve));
    keysUrl = `http://127.0.0.1:${(keys.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    keys.closeAllConnections();
    await new Promise((resolve) => keys.close(resolve));
  });

  const tokenRequest = async (server: TestAuthServer, clientId: string) =>
    postForm(server, '/oauth/token', {
      grant_type: 'client_credentials',
      client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
      client_assertion: await clientAssertion(server, clientId, privateKey, 'k1'),
    });
  const register = (server: TestAuthServer, clientId: string, jwksUri: string) =>
    server.clients.create({ clientId, grants: [{ resource: 'api://user-service', scopes: ['users:read'] }], authMethod: 'private_key_jwt', jwksUri }, TEST_ACTOR);

  describe('by default (CLIENT_JWKS_ALLOW_PRIVATE_NETWORKS unset)', () => {
    let server: TestAuthServer;
    beforeAll(async () => {
      server = await startAuthServer();
    });
    afterAll(() => server?.close());

    it('registration refuses loopback, link-local and private jwks_uri', async () => {
      for (const uri of [`${keysUrl}/jwks`, 'http://169.254.169.254/latest/meta-data/', 'http://10.0.0.1/jwks', 'http://[::1]/jwks', 'http://localhost/jwks']) {
        await expect(register(server, 'ssrf-client', uri)).rejects.toThrow(/jwks_uri must not point at a loopback, link-local or private address/);
      }
    });

    it('a stored jwks_uri that breaks the rule (from before it) is never fetched: the usual invalid_client', async () => {
      await register(server, 'legacy-jwks-client', 'https://keys.example.com/jwks.json');
      const db = new Client({ connectionString: server.databaseUrl });
      await db.connect();
      await db.query('UPDATE auth.clients SET jwks_uri = $1 WHERE client_id = $2', [`${keysUrl}/jwks`, 'legacy-jwks-client']);
      await db.end();
      const before = hits;
      const answer = await tokenRequest(server, 'legacy-jwks-client');
      expect([answer.status, answer.body]).toEqual([401, { error: 'invalid_client', error_description: 'client authentication failed' }]);
      expect(hits).toBe(before);
    });
  });

  describe('with CLIENT_JWKS_ALLOW_PRIVATE_NETWORKS=true (development, compose)', () => {
    let server: TestAuthServer;
    beforeAll(async () => {
      server = await startAuthServer({ env: { CLIENT_JWKS_ALLOW_PRIVATE_NETWORKS: 'true' } });
    });
    afterAll(() => server?.close());

    it('a jwks_uri with the key: 200', async () => {
      await register(server, 'jwks-ok', `${keysUrl}/jwks`);
      const answer = await tokenRequest(server, 'jwks-ok');
      expect(answer.status).toBe(200);
    });

    it('every fetch failure (another JWKS, not JSON, a redirect, too large, closed, too slow) gives one text, the same as a wrong secret', async () => {
      const targets = { 'other-jwks': `${keysUrl}/other-jwks`, html: `${keysUrl}/html`, redirect: `${keysUrl}/redirect`, huge: `${keysUrl}/huge`, closed: `${await closedPortUrl()}/jwks`, hang: `${keysUrl}/hang` };
      const answers: Record<string, unknown> = {};
      for (const [name, uri] of Object.entries(targets)) {
        await register(server, `jwks-${name}`, uri);
        const started = Date.now();
        const answer = await tokenRequest(server, `jwks-${name}`);
        answers[name] = [answer.status, answer.body];
        // The fetch is bounded: jose's 2 s timeout, whatever the server does.
        expect(Date.now() - started).toBeLessThan(4_000);
      }
      const wrongSecret = await postForm(server, '/oauth/token', { grant_type: 'client_credentials', client_id: 'order-service', client_secret: 'wrong' });
      expect(wrongSecret.body.error_description).toBe('client authentication failed');
      const same = [401, { error: 'invalid_client', error_description: 'client authentication failed' }];
      expect(answers).toEqual(Object.fromEntries(Object.keys(targets).map((name) => [name, same])));
    });
  });
});
