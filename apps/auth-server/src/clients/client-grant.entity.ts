import { Column, CreateDateColumn, Entity, JoinColumn, ManyToOne, PrimaryColumn, UpdateDateColumn } from 'typeorm';
import { ClientEntity } from './client.entity';

/**
 * What a grant lets the client do at the API:
 * - `direct`: get tokens there, for itself (client_credentials) or from a user (a login);
 * - `delegation`: exchange a user's token it received for one there, acting on the user's behalf
 *   (RFC 8693 token exchange): "client X may act on behalf of users at API A with scopes S".
 */
export const GRANT_KINDS = ['direct', 'delegation'] as const;
export type GrantKind = (typeof GRANT_KINDS)[number];

/**
 * "Client X may get scopes S at API A" (the model of Auth0's client grants and Keycloak's client
 * scopes). One row per client, resource and kind (GrantKind): `scopes` are those it may get there;
 * `defaultScopes` are granted when a request names none. A grant never widens a resource: the token
 * gets only scopes the resource defines now.
 */
@Entity({ name: 'client_grants' })
export class ClientGrantEntity {
  @PrimaryColumn('text', { name: 'client_id' })
  clientId!: string;

  /** The resource's audience URI (resources.uri). */
  @PrimaryColumn('text', { name: 'resource_uri' })
  resourceUri!: string;

  @PrimaryColumn('text', { default: 'direct' })
  kind!: GrantKind;

  @ManyToOne(() => ClientEntity, (client) => client.grants, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'client_id' })
  client?: ClientEntity;

  @Column('text', { array: true, default: () => "'{}'" })
  scopes!: string[];

  /** A subset of `scopes`. */
  @Column('text', { name: 'default_scopes', array: true, default: () => "'{}'" })
  defaultScopes!: string[];

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;
}
