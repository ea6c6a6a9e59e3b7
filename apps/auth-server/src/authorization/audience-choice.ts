import type { ClientEntity } from '../clients/client.entity';
import { isAbsoluteUriWithoutFragment } from '../oauth-syntax';

export interface AudienceChoiceInput {
  client: Pick<ClientEntity, 'allowedAudiences' | 'allowedScopes' | 'defaultScopes'>;
  /** The request's `resource` (RFC 8707), if any. */
  resource: string | undefined;
  /** The request's scopes, undefined when it names none. */
  requestedScopes: string[] | undefined;
  /** The registered scopes of those of the client's audiences that are registered resources. */
  resourceScopes: ReadonlyMap<string, readonly string[]>;
}

export type AudienceChoice =
  | { audience: string; scopes: string[] }
  | { error: 'invalid_target' | 'invalid_scope'; description: string };

/**
 * The audience of a login's tokens and the scopes granted, at the authorization endpoint:
 * - `resource` given: one of the client's allowed audiences and a registered resource
 *   (else invalid_target); the scopes (requested, or the client's default scopes that resource
 *   defines) must be the client's AND the resource's (else invalid_scope);
 * - scopes requested without a resource: the first of the client's audiences whose resource
 *   defines all of them (none: invalid_scope);
 * - neither: the client's default scopes for its first audience, as before resources existed.
 */
export function chooseAudience({ client, resource, requestedScopes, resourceScopes }: AudienceChoiceInput): AudienceChoice {
  const notAllowed = (requestedScopes ?? []).filter((scope) => !client.allowedScopes.includes(scope));
  if (notAllowed.length) return { error: 'invalid_scope', description: `scope not allowed: ${notAllowed.join(' ')}` };

  if (resource !== undefined) {
    if (!isAbsoluteUriWithoutFragment(resource)) {
      return { error: 'invalid_target', description: 'resource must be an absolute URI without a fragment' };
    }
    if (!client.allowedAudiences.includes(resource)) return { error: 'invalid_target', description: `resource not allowed for this client: ${resource}` };
    const defined = resourceScopes.get(resource);
    if (!defined) return { error: 'invalid_target', description: `resource is not registered: ${resource}` };
    const scopes = requestedScopes ?? client.defaultScopes.filter((scope) => defined.includes(scope));
    if (!scopes.length) return { error: 'invalid_scope', description: `no scope requested, and none of the client's default scopes is one of ${resource}` };
    const undefinedThere = scopes.filter((scope) => !defined.includes(scope));
    if (undefinedThere.length) return { error: 'invalid_scope', description: `scope not defined by ${resource}: ${undefinedThere.join(' ')}` };
    return { audience: resource, scopes };
  }

  if (requestedScopes === undefined) {
    const audience = client.allowedAudiences[0];
    if (!audience) return { error: 'invalid_target', description: 'this client has no audience' };
    if (!client.defaultScopes.length) return { error: 'invalid_scope', description: 'scope is required: this client has no default scope' };
    return { audience, scopes: client.defaultScopes };
  }
  if (!requestedScopes.length) return { error: 'invalid_scope', description: 'scope is empty' };
  const audience = client.allowedAudiences.find((uri) => requestedScopes.every((scope) => resourceScopes.get(uri)?.includes(scope)));
  if (!audience) {
    return { error: 'invalid_scope', description: `no resource this client may use defines all of: ${requestedScopes.join(' ')} (name one with resource)` };
  }
  return { audience, scopes: requestedScopes };
}
