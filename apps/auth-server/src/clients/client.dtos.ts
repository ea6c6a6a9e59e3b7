import type { JSONWebKeySet } from 'jose';
import { NestedListField, ObjectField, PositiveIntegerField, TextField, TextListField } from '../dto/dto-fields';
import type { ClientGrantInput } from './client-grants.service';
import type { ClientPatch, CreateClientInput } from './client-lifecycle.service';
import { CLIENT_AUTH_METHODS, GRANT_TYPES, GrantType, TokenEndpointAuthMethod } from './client.entity';

/**
 * The client registration's fields, declared once: the admin API validates its bodies with these
 * classes, the OpenAPI document describes them, and the CLI's options are built from them.
 */

/** `--grant api://user-service=users:read,users:provision`: a resource, `=`, its scopes (all of them the defaults). */
export function parseGrantFlag(value: string): ClientGrantDto {
  const at = value.lastIndexOf('=');
  if (at <= 0) throw new Error(`a grant is <resource>=<scopes>, e.g. api://user-service=users:read,users:provision (got "${value}")`);
  return Object.assign(new ClientGrantDto(), { resource: value.slice(0, at), scopes: value.slice(at + 1).split(/[\s,]+/).filter(Boolean) });
}

/** What a client may get at one resource (API): `clients grant`, POST /admin/clients/:id/grants, and each of create's `grants`. */
export class ClientGrantDto {
  @TextField({ required: true, description: "the resource's audience URI (api://user-service)", example: 'api://user-service' })
  resource!: string;

  @TextListField({ required: true, description: 'the scopes it may get there; each one the resource defines', example: ['users:read'], cli: { list: 'split' } })
  scopes!: string[];

  @TextListField({ description: 'granted when a request names no scope; among `scopes` (default: all of them)', cli: { list: 'split' } })
  default_scopes?: string[];
}

const OWNED_AUDIENCES = 'audiences it owns as a resource server: it may introspect tokens issued for them';
const REDIRECT_URIS = 'exact redirect URIs (authorization_code clients)';
const GRANT_TYPES_HELP = `grant types: ${GRANT_TYPES.join(', ')}`;

/** `clients create`, POST /admin/clients. */
export class CreateClientDto {
  @TextField({ required: true, description: 'client_id: 1-128 of A-Z a-z 0-9 . _ ~ -', example: 'billing', cli: { flag: 'id', value: 'client-id' } })
  client_id!: string;

  @TextField({ description: 'display name (default: the client id)' })
  name?: string;

  @NestedListField(() => ClientGrantDto, {
    description: 'what it may get at each resource (API); more with `clients grant` or POST /admin/clients/{clientId}/grants',
    cli: {
      flag: 'grant',
      value: 'resource=scopes',
      list: 'repeat',
      parse: parseGrantFlag,
      help: 'scopes it may get at one resource, e.g. api://user-service=users:read,users:provision (all of them its defaults); repeat for more resources',
    },
  })
  grants?: ClientGrantDto[];

  @TextListField({ description: OWNED_AUDIENCES, cli: { flag: 'owns-audience', value: 'uri', list: 'split' } })
  owned_audiences?: string[];

  @TextListField({ description: `${GRANT_TYPES_HELP} (default: client_credentials; authorization_code refresh_token for \`none\`)`, items: GRANT_TYPES, cli: { list: 'split' } })
  grant_types?: GrantType[];

  @TextListField({ description: REDIRECT_URIS, cli: { flag: 'redirect-uri', value: 'uri', list: 'repeat' } })
  redirect_uris?: string[];

  @TextField({
    description: 'how it authenticates at the token endpoint (default: client_secret_basic; none: a public app, no secret; federated_jwt: its workload token, no secret)',
    enum: [...CLIENT_AUTH_METHODS, 'none'],
    cli: { flag: 'auth-method', value: 'method' },
  })
  token_endpoint_auth_method?: TokenEndpointAuthMethod;

  @ObjectField({ description: 'private_key_jwt: its public keys (a JWKS)', cli: { flag: 'jwks-file', value: 'path', file: true, help: 'private_key_jwt: a file holding its public JWKS' } })
  jwks?: Record<string, unknown>;

  @TextField({ description: 'private_key_jwt: where its public keys are fetched from', cli: { value: 'uri' } })
  jwks_uri?: string;

  @TextField({ description: 'federated_jwt: the trusted issuer of its workload tokens (see trusted-issuers)', cli: { value: 'url' } })
  federated_issuer?: string;

  @TextField({
    description: 'federated_jwt: the exact sub of its workload tokens (system:serviceaccount:<ns>:<sa>, spiffe://<trust domain>/<path>)',
    cli: { value: 'sub' },
  })
  federated_subject?: string;
}

/** `clients update`, PATCH /admin/clients/:id: each list given replaces the current one. */
export class UpdateClientDto {
  @TextField({ description: 'display name' })
  name?: string;

  @TextListField({ description: OWNED_AUDIENCES, cli: { flag: 'owns-audience', value: 'uri', list: 'split' } })
  owned_audiences?: string[];

  @TextListField({ description: REDIRECT_URIS, cli: { flag: 'redirect-uri', value: 'uri', list: 'repeat' } })
  redirect_uris?: string[];

  @TextListField({ description: GRANT_TYPES_HELP, items: GRANT_TYPES, cli: { list: 'split' } })
  grant_types?: GrantType[];
}

/** `clients rotate-secret`, POST /admin/clients/:id/secrets. */
export class RotateSecretDto {
  @PositiveIntegerField({ description: 'seconds until the new secret expires (default: never)', cli: { value: 'seconds', parse: Number } })
  expires_in?: number;
}

export function grantInput(dto: ClientGrantDto): ClientGrantInput {
  return { resource: dto.resource, scopes: dto.scopes, defaultScopes: dto.default_scopes };
}

export function createClientInput(dto: CreateClientDto): CreateClientInput {
  return {
    clientId: dto.client_id,
    name: dto.name,
    grants: dto.grants?.map(grantInput),
    ownedAudiences: dto.owned_audiences,
    grantTypes: dto.grant_types,
    redirectUris: dto.redirect_uris,
    authMethod: dto.token_endpoint_auth_method,
    jwks: dto.jwks as JSONWebKeySet | undefined,
    jwksUri: dto.jwks_uri,
    federatedIssuer: dto.federated_issuer,
    federatedSubject: dto.federated_subject,
  };
}

export function clientPatch(dto: UpdateClientDto): ClientPatch {
  return { name: dto.name, ownedAudiences: dto.owned_audiences, redirectUris: dto.redirect_uris, grantTypes: dto.grant_types };
}
