import type { JSONWebKeySet, JWK } from 'jose';
import type { ClientEntity } from './client.entity';

/** JWK members that hold private or symmetric key material (RFC 7517 §9.2, RFC 7518 §6). */
const SECRET_MEMBERS = new Set(['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k']);

/** A key set with only its public members: what an operator may see. */
export function publicKeysOf(jwks: JSONWebKeySet): { keys: JWK[] } {
  return { keys: jwks.keys.map((key) => Object.fromEntries(Object.entries(key).filter(([member]) => !SECRET_MEMBERS.has(member))) as JWK) };
}

/**
 * What a private_key_jwt client trusts, as the audit log, `clients show` and the admin API show it: its
 * public keys, or the URL it fetches them from (as registered). Nothing for other clients.
 */
export function keyMaterialFields(client: ClientEntity): { jwks?: { keys: JWK[] }; jwks_uri?: string; federated_issuer?: string; federated_subject?: string } {
  // federated_jwt: what it trusts is an issuer and a subject (the issuer's keys are the issuer's).
  if (client.authMethod === 'federated_jwt') return { federated_issuer: client.federatedIssuer ?? undefined, federated_subject: client.federatedSubject ?? undefined };
  if (client.authMethod !== 'private_key_jwt') return {};
  return client.jwksUri ? { jwks_uri: client.jwksUri } : client.jwks ? { jwks: publicKeysOf(client.jwks) } : {};
}
