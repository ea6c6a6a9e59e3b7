import type { JSONWebKeySet } from 'jose';
import { RegistrationError } from '../audit/registration-error';
import { DISPLAY_NAME, SCOPE_TOKEN } from '../oauth-syntax';
import { CLIENT_AUTH_METHODS, GRANT_TYPES, GrantType, TokenEndpointAuthMethod } from './client.entity';
import { jwksUriProblem, JwksUriPolicy } from './jwks-uri-policy';
import { redirectUriProblem } from './redirect-uri-policy';

const CLIENT_ID_PATTERN = /^[A-Za-z0-9._~-]{1,128}$/;

/** Kept under its old name: clients' registration errors are the registry's (see RegistrationError). */
export class ClientRegistrationError extends RegistrationError {}

/** A client registration as the policy checks it: a new one, or a stored one with a patch applied. */
export interface RegistrationToCheck {
  clientId: string;
  name?: string;
  authMethod: TokenEndpointAuthMethod;
  grantTypes: GrantType[];
  redirectUris: string[];
  ownedAudiences: string[];
  jwks?: JSONWebKeySet;
  jwksUri?: string;
  /** federated_jwt: the trusted issuer's URL and the exact `sub` of its tokens for this client. */
  federatedIssuer?: string;
  federatedSubject?: string;
  /** A secret given instead of generated (seeding, `--secret-stdin`). */
  secret?: string;
}

export interface RegistrationRules {
  production: boolean;
  /** Only for a new jwks_uri (a stored client keeps the one it was registered with). */
  jwksUri?: JwksUriPolicy;
}

/** The grant types a client gets when it names none. */
export function defaultGrantTypes(authMethod: TokenEndpointAuthMethod): GrantType[] {
  return authMethod === 'none' ? ['authorization_code', 'refresh_token'] : ['client_credentials'];
}

/**
 * The registration rules (pure: no I/O). Each refusal names the field at fault as the admin API's JSON
 * spells it (the CLI's --help maps its flags to the same fields).
 */
export function checkClientRegistration(client: RegistrationToCheck, rules: RegistrationRules): void {
  if (!CLIENT_ID_PATTERN.test(client.clientId)) throw new ClientRegistrationError('client_id must be 1-128 characters of A-Z a-z 0-9 . _ ~ -');
  if (client.name !== undefined && !DISPLAY_NAME.test(client.name)) {
    throw new ClientRegistrationError('name must be 1-200 printable characters, without bidi controls');
  }
  const { authMethod, grantTypes } = client;
  if (authMethod !== 'none' && !CLIENT_AUTH_METHODS.includes(authMethod)) {
    throw new ClientRegistrationError(`token_endpoint_auth_method must be one of ${[...CLIENT_AUTH_METHODS, 'none'].join(', ')}`);
  }
  const unknownGrant = grantTypes.find((grant) => !GRANT_TYPES.includes(grant));
  if (unknownGrant) throw new ClientRegistrationError(`grant_types: unknown grant type "${unknownGrant}"`);
  if (authMethod === 'none' && grantTypes.includes('client_credentials')) {
    throw new ClientRegistrationError('grant_types: a public client (token_endpoint_auth_method none) cannot use client_credentials');
  }
  if (grantTypes.includes('authorization_code') && !client.redirectUris.length) {
    throw new ClientRegistrationError('redirect_uris: authorization_code clients need at least one redirect URI');
  }
  for (const uri of client.redirectUris) {
    const problem = redirectUriProblem(uri, rules);
    if (problem) throw new ClientRegistrationError(`redirect_uris: ${JSON.stringify(uri)} ${problem}`);
  }
  for (const audience of client.ownedAudiences) {
    if (!audience || /\s/.test(audience)) throw new ClientRegistrationError(`owned_audiences: "${audience}" is not a valid audience`);
  }
  if (authMethod === 'none' && client.ownedAudiences.length) {
    throw new ClientRegistrationError('owned_audiences: a public client (no secret) cannot own an audience: introspection needs a confidential client');
  }
  if (authMethod === 'private_key_jwt') {
    if (!client.jwks === !client.jwksUri) throw new ClientRegistrationError('private_key_jwt needs exactly one of jwks or jwks_uri');
    if (client.jwks && (!Array.isArray(client.jwks.keys) || client.jwks.keys.length === 0)) {
      throw new ClientRegistrationError('jwks must hold at least one key');
    }
    if (client.jwks?.keys.some((key) => 'd' in key)) throw new ClientRegistrationError('jwks holds a private key: register public keys only');
    if (client.jwksUri && !/^https?:\/\//.test(client.jwksUri)) throw new ClientRegistrationError('jwks_uri must be an http(s) URL');
    const jwksUriRefusal = client.jwksUri !== undefined && rules.jwksUri ? jwksUriProblem(client.jwksUri, rules.jwksUri) : undefined;
    if (jwksUriRefusal) throw new ClientRegistrationError(`jwks_uri ${jwksUriRefusal}`);
    if (client.secret) throw new ClientRegistrationError('private_key_jwt clients have no secret');
  } else if (client.jwks || client.jwksUri) {
    throw new ClientRegistrationError('jwks and jwks_uri only apply to private_key_jwt clients');
  }
  if (authMethod === 'federated_jwt') {
    if (!client.federatedIssuer) throw new ClientRegistrationError('federated_jwt needs federated_issuer: a trusted issuer (trusted-issuers list)');
    if (!client.federatedSubject || client.federatedSubject.length > 1024 || /[\s\p{Cc}]/u.test(client.federatedSubject)) {
      throw new ClientRegistrationError('federated_jwt needs federated_subject: the exact sub of its tokens, e.g. system:serviceaccount:<namespace>:<serviceaccount>');
    }
    if (client.secret) throw new ClientRegistrationError('federated_jwt clients have no secret');
  } else if (client.federatedIssuer !== undefined || client.federatedSubject !== undefined) {
    throw new ClientRegistrationError('federated_issuer and federated_subject only apply to federated_jwt clients');
  }
}

/**
 * The subject as the issuer's kind writes it: a Kubernetes service account
 * (`system:serviceaccount:<namespace>:<name>`) or a SPIFFE ID (`spiffe://<trust domain>/<path>`). A
 * subject the issuer can never issue would be a client that never authenticates.
 */
export function federatedSubjectProblem(kind: string, subject: string): string | undefined {
  if (kind === 'kubernetes' && !/^system:serviceaccount:[a-z0-9]([-a-z0-9]*[a-z0-9])?:[a-z0-9]([-.a-z0-9]*[a-z0-9])?$/.test(subject)) {
    return 'must be system:serviceaccount:<namespace>:<serviceaccount> for a kubernetes issuer';
  }
  if (kind === 'spiffe' && !/^spiffe:\/\/[a-z0-9._-]+(\/[A-Za-z0-9._-]+)*$/.test(subject)) {
    return 'must be a SPIFFE ID (spiffe://<trust domain>/<path>) for a spiffe issuer';
  }
  return undefined;
}

/** A grant as stored: its scopes and its default scopes, each without repeats. */
export interface CheckedGrant {
  scopes: string[];
  defaultScopes: string[];
}

/** A grant at `resource`: at least one scope, each one the resource defines; default scopes among them (default: all). */
export function checkGrant(resource: { uri: string; scopes: string[] }, input: { scopes: string[]; defaultScopes?: string[] }): CheckedGrant {
  const scopes = [...new Set(input.scopes)];
  if (!scopes.length) throw new ClientRegistrationError(`scopes: a grant at ${resource.uri} needs at least one scope`);
  const invalid = scopes.find((scope) => !SCOPE_TOKEN.test(scope));
  if (invalid !== undefined) throw new ClientRegistrationError(`scopes: "${invalid}" is not a valid scope token`);
  const undefinedThere = scopes.filter((scope) => !resource.scopes.includes(scope));
  if (undefinedThere.length) throw new ClientRegistrationError(`scopes not defined by ${resource.uri}: ${undefinedThere.join(' ')}`);
  const defaultScopes = [...new Set(input.defaultScopes ?? scopes)];
  const notGranted = defaultScopes.filter((scope) => !scopes.includes(scope));
  if (notGranted.length) throw new ClientRegistrationError(`default_scopes must be among the granted scopes: ${notGranted.join(' ')}`);
  return { scopes, defaultScopes };
}
