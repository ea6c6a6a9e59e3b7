import { decodeJwt } from 'jose';
import type { FormParams } from '../http/form-params';

/** RFC 7523 §2.2. */
export const JWT_BEARER_ASSERTION_TYPE = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';
/** draft-ietf-oauth-spiffe-client-auth §3.1: a JWT-SVID presented as the client assertion. */
export const JWT_SPIFFE_ASSERTION_TYPE = 'urn:ietf:params:oauth:client-assertion-type:jwt-spiffe';

/**
 * Which assertion method a request uses, decided without I/O or signature checks (the guard asks on
 * every request): `client_assertion_type` jwt-spiffe, or an assertion whose `iss` is not its `sub`, is
 * a workload token of a trusted issuer (federated_jwt); any other assertion is the client's own
 * (private_key_jwt: iss = sub = client_id, RFC 7523 §3). undefined: no assertion in the request.
 * The claims read here are unverified: they only pick the method, which then checks everything.
 */
export function assertionMethod(form: FormParams): AssertionMethod | undefined {
  if (!form.has('client_assertion') && !form.has('client_assertion_type')) return undefined;
  // Both assertion authenticators ask for the same request: the assertion is decoded once.
  let method = decided.get(form);
  if (method === undefined) {
    method = decide(form);
    decided.set(form, method);
  }
  return method;
}

type AssertionMethod = 'private_key_jwt' | 'federated_jwt';
const decided = new WeakMap<FormParams, AssertionMethod>();

function decide(form: FormParams): AssertionMethod {
  if (form.get('client_assertion_type') === JWT_SPIFFE_ASSERTION_TYPE) return 'federated_jwt';
  const assertion = form.get('client_assertion');
  if (assertion === undefined || assertion.length > 8_192) return 'private_key_jwt';
  try {
    const { iss, sub } = decodeJwt(assertion);
    return typeof iss === 'string' && iss !== sub ? 'federated_jwt' : 'private_key_jwt';
  } catch {
    // Not a JWT: private_key_jwt refuses it as it always has.
    return 'private_key_jwt';
  }
}
