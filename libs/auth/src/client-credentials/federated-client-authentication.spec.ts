import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Test } from '@nestjs/testing';
import { captureLogger, LocalHttpServer, startTokenEndpoint } from '../../test/support/local-http-servers';
import { oauthErrorOf } from '../errors/oauth-error.response';
import { ClientCredentialsTokenProvider } from './client-credentials-token-provider';
import { ClientCredentialsModule } from './client-credentials.module';
import { ClientAssertionUnavailable } from './errors';
import { ServiceHttpClient } from './service-http-client';
import { clientCredentialsGrant, TokenEndpointClient } from './token-endpoint-client';
import { WorkloadAssertionFile } from './workload-assertion-file';

/** A workload-token-shaped JWT (unsigned here: the client only decodes `exp`; the server verifies). */
function workloadToken(claims: { sub: string; exp: number }): string {
  const segment = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
  return `${segment({ alg: 'RS256', kid: 'k1' })}.${segment({ iss: 'https://kubernetes.default.svc', aud: ['https://issuer.test'], ...claims })}.c2lnbmF0dXJl`;
}

describe('federated_jwt (client side): the workload token file as the client assertion', () => {
  const nowSeconds = () => Math.floor(Date.now() / 1000);
  let directory: string;
  let file: string;
  let endpoint: LocalHttpServer;

  beforeEach(async () => {
    directory = mkdtempSync(join(tmpdir(), 'workload-token-'));
    file = join(directory, 'auth-server');
    endpoint = await startTokenEndpoint();
  });
  afterEach(async () => {
    await endpoint.close();
    rmSync(directory, { recursive: true, force: true });
  });

  const clientOptions = () => ({
    tokenEndpoint: `${endpoint.url}/oauth/token`,
    issuer: 'https://issuer.test',
    clientId: 'order-service',
    authMethod: 'federated_jwt' as const,
    assertionFile: file,
  });

  it('sends the file content as an RFC 7523 client assertion with client_id, no Authorization header, and re-reads the file for each request', async () => {
    const first = workloadToken({ sub: 'system:serviceaccount:platform:order-service', exp: nowSeconds() + 600 });
    writeFileSync(file, `${first}\n`);
    const client = new TokenEndpointClient(clientOptions());
    await client.requestToken(clientCredentialsGrant(['users:read'], 'api://user-service'));

    // The kubelet rewrites the file (a new token) between two token requests.
    const second = workloadToken({ sub: 'system:serviceaccount:platform:order-service', exp: nowSeconds() + 900 });
    writeFileSync(file, second);
    await client.requestToken(clientCredentialsGrant(['users:read'], 'api://user-service'));

    const [one, two] = endpoint.requests;
    expect(one!.headers.authorization).toBeUndefined();
    expect(Object.fromEntries(one!.form)).toEqual({
      grant_type: 'client_credentials',
      scope: 'users:read',
      resource: 'api://user-service',
      client_id: 'order-service',
      client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
      client_assertion: first,
    });
    expect(two!.form.get('client_assertion')).toBe(second);
  });

  it('refuses at construction (start-up) a missing, empty, non-JWT or expired file, naming the path and the reason', () => {
    expect(() => new TokenEndpointClient(clientOptions())).toThrow(new RegExp(`${file} does not exist`));
    writeFileSync(file, '  \n');
    expect(() => new TokenEndpointClient(clientOptions())).toThrow(/is empty/);
    writeFileSync(file, 'not-a-jwt');
    expect(() => new TokenEndpointClient(clientOptions())).toThrow(/does not hold a JWT with a numeric exp/);
    writeFileSync(file, workloadToken({ sub: 's', exp: nowSeconds() - 30 }));
    expect(() => new TokenEndpointClient(clientOptions())).toThrow(/holds a token that expired \d+ s ago/);
    expect(() => new TokenEndpointClient(clientOptions())).toThrow(ClientAssertionUnavailable);
    expect(endpoint.count).toBe(0);
  });

  it('refuses bad options: no assertionFile, or a client secret beside it', () => {
    expect(() => new TokenEndpointClient({ ...clientOptions(), assertionFile: undefined })).toThrow('assertionFile is required for federated_jwt');
    expect(() => new TokenEndpointClient({ ...clientOptions(), clientSecret: 's' })).toThrow(/takes no clientSecret/);
  });

  it('a file that expires, disappears or cannot be read after start fails the token request with ClientAssertionUnavailable, without calling the server', async () => {
    writeFileSync(file, workloadToken({ sub: 's', exp: nowSeconds() + 600 }));
    let now = Date.now();
    const client = new TokenEndpointClient({ ...clientOptions(), now: () => now });
    const grant = clientCredentialsGrant([], undefined);

    now += 601_000; // the kubelet stopped rewriting it
    await expect(client.requestToken(grant)).rejects.toMatchObject({ name: 'ClientAssertionUnavailable', reason: 'expired', path: file });
    now = Date.now();

    rmSync(file);
    await expect(client.requestToken(grant)).rejects.toMatchObject({ reason: 'missing', message: expect.stringContaining('is the projected token volume mounted?') });

    if (process.getuid?.() !== 0) {
      writeFileSync(file, workloadToken({ sub: 's', exp: nowSeconds() + 600 }));
      chmodSync(file, 0o000);
      await expect(client.requestToken(grant)).rejects.toMatchObject({ reason: 'unreadable', message: expect.stringContaining('EACCES') });
    }
    expect(endpoint.count).toBe(0);
  });

  it('never puts the token in an error message', async () => {
    const token = workloadToken({ sub: 's', exp: nowSeconds() - 1 });
    writeFileSync(file, token);
    const error = await new WorkloadAssertionFile(file).read().catch((caught: unknown) => caught as Error);
    expect(error).toBeInstanceOf(ClientAssertionUnavailable);
    expect((error as Error).message).not.toContain(token.split('.')[1]);
  });

  describe('ClientCredentialsModule.forRoot({ authMethod: "federated_jwt", assertionFile })', () => {
    let downstream: LocalHttpServer;
    beforeEach(async () => {
      downstream = await new LocalHttpServer(() => ({ kind: 'respond', status: 200, body: { ok: true } })).start();
    });
    afterEach(() => downstream.close());

    const moduleOptions = () => ({
      ...clientOptions(),
      scopes: ['users:read'],
      audience: 'api://user-service',
      logger: captureLogger().logger,
      http: { baseUrl: downstream.url },
    });

    it('calls the downstream service with a token obtained by the workload token; a new token after eviction uses the rewritten file', async () => {
      writeFileSync(file, workloadToken({ sub: 'first', exp: nowSeconds() + 600 }));
      const moduleRef = await Test.createTestingModule({ imports: [ClientCredentialsModule.forRoot(moduleOptions())] }).compile();
      const http = moduleRef.get(ServiceHttpClient);
      const tokens = moduleRef.get(ClientCredentialsTokenProvider);
      await expect(http.request('/users/1')).resolves.toMatchObject({ status: 200 });
      expect(downstream.requests[0]!.headers.authorization).toBe('Bearer tok-1');

      const rewritten = workloadToken({ sub: 'second', exp: nowSeconds() + 600 });
      writeFileSync(file, rewritten);
      await tokens.invalidate('tok-1');
      await expect(tokens.getToken()).resolves.toBe('tok-2');
      expect(endpoint.requests[1]!.form.get('client_assertion')).toBe(rewritten);
      await moduleRef.close();
    });

    it('a missing file stops the module from starting, with the path in the error', async () => {
      await expect(Test.createTestingModule({ imports: [ClientCredentialsModule.forRoot(moduleOptions())] }).compile()).rejects.toThrow(
        new RegExp(`client assertion file ${file} does not exist`),
      );
    });

    it('a file that expired after start: the call fails with a typed error the service answers as 503, not 500', async () => {
      writeFileSync(file, workloadToken({ sub: 's', exp: nowSeconds() + 600 }));
      const moduleRef = await Test.createTestingModule({ imports: [ClientCredentialsModule.forRoot(moduleOptions())] }).compile();
      writeFileSync(file, workloadToken({ sub: 's', exp: nowSeconds() - 5 }));
      const error = await moduleRef.get(ServiceHttpClient).request('/users/1').catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(ClientAssertionUnavailable);
      expect(oauthErrorOf(error)).toMatchObject({ status: 503, error: 'temporarily_unavailable' });
      expect(downstream.count).toBe(0);
      await moduleRef.close();
    });
  });
});
