import type { FastifyRequest } from 'fastify';
import { FormParams } from '../http/form-params';
import { assertionMethod, JWT_BEARER_ASSERTION_TYPE, JWT_SPIFFE_ASSERTION_TYPE } from './client-assertion-kind';

const form = (fields: Record<string, string>) =>
  FormParams.of({ method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: fields } as unknown as FastifyRequest);
/** An unsigned JWT with these claims: detection reads claims only, it never verifies. */
const jwt = (claims: Record<string, unknown>) => `${Buffer.from('{"alg":"ES256"}').toString('base64url')}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.sig`;

describe('assertionMethod: private_key_jwt or federated_jwt, told apart without I/O', () => {
  it('no assertion: neither', () => {
    expect(assertionMethod(form({ client_id: 'x' }))).toBeUndefined();
  });

  it("iss = sub (the client's own assertion, RFC 7523 §3): private_key_jwt", () => {
    expect(assertionMethod(form({ client_assertion_type: JWT_BEARER_ASSERTION_TYPE, client_assertion: jwt({ iss: 'billing', sub: 'billing' }) }))).toBe('private_key_jwt');
  });

  it('iss ≠ sub (a workload token of an issuer): federated_jwt', () => {
    const token = jwt({ iss: 'https://kubernetes.default.svc', sub: 'system:serviceaccount:platform:order-service' });
    expect(assertionMethod(form({ client_assertion_type: JWT_BEARER_ASSERTION_TYPE, client_assertion: token, client_id: 'order-service' }))).toBe('federated_jwt');
  });

  it('the jwt-spiffe assertion type is always federated_jwt (draft-ietf-oauth-spiffe-client-auth)', () => {
    expect(assertionMethod(form({ client_assertion_type: JWT_SPIFFE_ASSERTION_TYPE, client_assertion: jwt({ iss: 'a', sub: 'a' }) }))).toBe('federated_jwt');
  });

  it('anything not a JWT, too large, or without a string iss stays private_key_jwt (which refuses it as before)', () => {
    for (const assertion of ['not-a-jwt', jwt({ sub: 'x' }), jwt({ iss: 1, sub: 'x' }), jwt({ iss: 'a', sub: 'b', pad: 'x'.repeat(9_000) })]) {
      expect(assertionMethod(form({ client_assertion_type: JWT_BEARER_ASSERTION_TYPE, client_assertion: assertion }))).toBe('private_key_jwt');
    }
    expect(assertionMethod(form({ client_assertion_type: JWT_BEARER_ASSERTION_TYPE }))).toBe('private_key_jwt');
  });
});
