import { Column, CreateDateColumn, Entity, OneToMany, PrimaryColumn, UpdateDateColumn } from 'typeorm';
import type { JSONWebKeySet } from 'jose';
import { ClientGrantEntity } from './client-grant.entity';
import { ClientSecretEntity } from './client-secret.entity';

/**
 * How confidential clients authenticate at the token endpoint (advertised in the metadata).
 * federated_jwt: a JWT its platform issued to the workload (a Kubernetes service-account token, a SPIFFE
 * JWT-SVID), signed by a trusted issuer rather than by the client (issue 30; trusted-issuers/).
 */
export const CLIENT_AUTH_METHODS = ['client_secret_basic', 'client_secret_post', 'private_key_jwt', 'federated_jwt'] as const;
export type ConfidentialAuthMethod = (typeof CLIENT_AUTH_METHODS)[number];
/**
 * A registered client's `token_endpoint_auth_method` (RFC 7591 §2). `none`: a public client (a browser or
 * native app) that holds no secret; user-login grants only. (libs/auth's `ClientAuthMethod` is the other
 * side: how a service authenticates itself.)
 */
export type TokenEndpointAuthMethod = ConfidentialAuthMethod | 'none';

export const GRANT_TYPES = ['client_credentials', 'authorization_code', 'refresh_token'] as const;
export type GrantType = (typeof GRANT_TYPES)[number];

@Entity({ name: 'clients' })
export class ClientEntity {
  @PrimaryColumn('text', { name: 'client_id' })
  clientId!: string;

  @Column('text')
  name!: string;

  @Column('text', { name: 'grant_types', array: true })
  grantTypes!: string[];

  @Column('text', { name: 'token_endpoint_auth_method' })
  authMethod!: TokenEndpointAuthMethod;

  /** Public keys for private_key_jwt, inline … */
  @Column('jsonb', { nullable: true })
  jwks!: JSONWebKeySet | null;

  /** … or fetched from the client. */
  @Column('text', { name: 'jwks_uri', nullable: true })
  jwksUri!: string | null;

  /** federated_jwt: the trusted issuer (trusted_issuers.issuer) whose tokens this client presents. */
  @Column('text', { name: 'federated_issuer', nullable: true })
  federatedIssuer!: string | null;

  /**
   * federated_jwt: the exact `sub` of those tokens, e.g. `system:serviceaccount:platform:order-service`
   * or `spiffe://cluster.local/ns/platform/sa/order-service`. The workload's identity, not the client id.
   */
  @Column('text', { name: 'federated_subject', nullable: true })
  federatedSubject!: string | null;

  /** Exact redirect URIs; a loopback `http://127.0.0.1/...` one matches any port (RFC 8252 §7.3). */
  @Column('text', { name: 'redirect_uris', array: true, default: () => "'{}'" })
  redirectUris!: string[];

  @Column('boolean', { default: true })
  enabled!: boolean;

  /**
   * Its access tokens issued before this instant introspect inactive. Set when the client is disabled,
   * also after it is enabled again (a disable is a revocation, not a pause), and at creation (the second
   * it was created), so tokens of a deleted client of the same id are not revived.
   */
  @Column('timestamptz', { name: 'tokens_revoked_before', nullable: true })
  tokensRevokedBefore!: Date | null;

  /**
   * Audiences this client owns as a resource server: it may introspect tokens issued for them. Any
   * other client learns only about tokens issued to itself (least privilege, RFC 7662 §4).
   */
  @Column('text', { name: 'owned_audiences', array: true, default: () => "'{}'" })
  ownedAudiences!: string[];

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;

  @OneToMany(() => ClientSecretEntity, (secret) => secret.client)
  secrets?: ClientSecretEntity[];

  /** What it may get at each resource (ClientGrantEntity); loaded by the ClientRegistry. */
  @OneToMany(() => ClientGrantEntity, (grant) => grant.client)
  grants?: ClientGrantEntity[];
}
