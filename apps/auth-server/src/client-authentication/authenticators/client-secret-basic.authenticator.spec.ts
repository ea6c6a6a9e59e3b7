import { InvalidClient, InvalidRequest } from '@nest-oauth-m2m/auth';
import type { FastifyRequest } from 'fastify';
import type { AuthenticatedClient } from '../authenticated-client';
import type { ClientSecretVerifier } from '../client-secret.verifier';
import { ClientSecretBasicAuthenticator } from './client-secret-basic.authenticator';

const basic = (raw: string, scheme = 'Basic') => `${scheme} ${Buffer.from(raw, 'utf8').toString('base64')}`;

function request(authorization?: string, rawHeaders?: string[]): FastifyRequest {
  const headers = authorization === undefined ? {} : { authorization };
  return { headers, raw: { rawHeaders: rawHeaders ?? Object.entries(headers).flat() } } as unknown as FastifyRequest;
}

describe("ClientSecretBasicAuthenticator (passport-http's Basic parse, kept without passport; RFC 6749 §2.3.1)", () => {
  const verified: [string, string][] = [];
  const verifier = {
    verify: async (clientId: string, secret: string): Promise<AuthenticatedClient> => {
      verified.push([clientId, secret]);
      return { client: { clientId } as AuthenticatedClient['client'], method: 'client_secret_basic' };
    },
  };
  const authenticator = new ClientSecretBasicAuthenticator(verifier as unknown as ClientSecretVerifier);

  beforeEach(() => (verified.length = 0));

  it('no Authorization header: not this method', () => {
    expect(authenticator.detect(request())).toBeUndefined();
  });

  it("reads passport-http's two fields, form-urldecoded (Appendix B)", () => {
    expect(authenticator.detect(request(basic('my+client:a%2Bb%25c%3A%2F%3D')))).toEqual({ clientId: 'my client', secret: 'a+b%c:/=' });
    expect(authenticator.detect(request(basic('order-service:s3cret', 'basic')))).toEqual({ clientId: 'order-service', secret: 's3cret' });
  });

  it('a raw ":" in the secret (no Appendix B encoding) keeps the whole secret, never a prefix', () => {
    expect(authenticator.detect(request(basic('client:abc:def:')))).toEqual({ clientId: 'client', secret: 'abc:def:' });
    expect(authenticator.detect(request(basic('client:abc:')))).toEqual({ clientId: 'client', secret: 'abc:' });
  });

  it('a scheme passport-http matches loosely, or blanks it skips, are read by the RFC parse: refused', async () => {
    for (const header of [basic('a:bc', 'XXBasic'), `Basic  ${Buffer.from('a:b').toString('base64')}`, basic('a:%zz')]) {
      const credential = authenticator.detect(request(header))!;
      await expect(authenticator.authenticate(credential)).rejects.toThrow(InvalidClient);
    }
    expect(verified).toEqual([]);
  });

  it("passport-http's refusals: malformed (status 400) or a failed authentication (another scheme, an empty secret), with a Basic challenge", async () => {
    const cases: [string, string][] = [
      ['Basic', 'malformed Basic credentials'],
      [basic('no-colon'), 'malformed Basic credentials'],
      ['Bearer abc', 'client authentication failed'],
      [basic('client:'), 'client authentication failed'],
    ];
    for (const [header, description] of cases) {
      const credential = authenticator.detect(request(header))!;
      expect(credential.clientId).toBeUndefined();
      const refusal = authenticator.authenticate(credential);
      await expect(refusal).rejects.toThrow(new InvalidClient(description));
      await expect(refusal).rejects.toHaveProperty('challenge', 'Basic');
    }
    expect(verified).toEqual([]);
  });

  it('checks the secret it read, as client_secret_basic', async () => {
    const credential = authenticator.detect(request(basic('svc:s3cret')))!;
    await expect(authenticator.authenticate(credential)).resolves.toMatchObject({ client: { clientId: 'svc' } });
    expect(verified).toEqual([['svc', 's3cret']]);
  });

  it('two Authorization lines: invalid_request (Node keeps only the first in headers)', () => {
    const header = basic('svc:s3cret');
    expect(() => authenticator.detect(request(header, ['Authorization', header, 'authorization', 'Bearer x']))).toThrow(
      new InvalidRequest('more than one Authorization header'),
    );
  });
});
