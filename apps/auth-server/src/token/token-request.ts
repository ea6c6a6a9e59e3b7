import { InvalidRequest, InvalidScope, InvalidTarget } from '@nest-oauth-m2m/auth';
import type { ClientEntity } from '../clients/client.entity';
import type { FormParams } from '../http/form-params';
import { isAbsoluteUriWithoutFragment } from '../oauth-syntax';

/**
 * The scopes to grant: every requested scope must be allowed for the client (RFC 6749 §3.3);
 * an omitted scope means the client's registered default scopes, never more.
 */
export function grantedScopes(client: ClientEntity, requested: string | undefined): string[] {
  if (requested === undefined) {
    if (client.defaultScopes.length === 0) throw new InvalidScope('scope is required: this client has no default scope');
    return client.defaultScopes;
  }
  const scopes = [...new Set(requested.split(' ').filter(Boolean))];
  if (scopes.length === 0) throw new InvalidScope('scope is empty');
  const denied = scopes.filter((scope) => !client.allowedScopes.includes(scope));
  if (denied.length) {
    throw new InvalidScope(`scope not allowed for this client: ${denied.join(' ')}`);
  }
  return scopes;
}

/**
 * The token's audience: `resource` (RFC 8707, an absolute URI) or `audience`, which must be one
 * of the client's allowed audiences; the client's first audience when neither is given.
 */
export function grantedAudience(client: ClientEntity, params: FormParams): string {
  const resource = params.get('resource');
  const audience = params.get('audience');
  if (resource !== undefined && audience !== undefined) {
    throw new InvalidRequest('use either resource or audience, not both');
  }
  if (resource !== undefined && !isAbsoluteUriWithoutFragment(resource)) {
    throw new InvalidTarget('resource must be an absolute URI without a fragment');
  }
  const wanted = resource ?? audience;
  if (wanted === undefined) {
    const fallback = client.allowedAudiences[0];
    if (!fallback) throw new InvalidTarget('this client has no audience: name one with resource');
    return fallback;
  }
  if (!client.allowedAudiences.includes(wanted)) {
    throw new InvalidTarget(`audience not allowed for this client: ${wanted}`);
  }
  return wanted;
}
