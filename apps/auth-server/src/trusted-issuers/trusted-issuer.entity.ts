import type { JSONWebKeySet } from 'jose';
import { Column, CreateDateColumn, Entity, PrimaryColumn, UpdateDateColumn } from 'typeorm';

/** What issues the workload tokens: how its keys are found, and which rules its tokens follow. */
export const TRUSTED_ISSUER_KINDS = ['kubernetes', 'spiffe', 'oidc'] as const;
export type TrustedIssuerKind = (typeof TRUSTED_ISSUER_KINDS)[number];

/** kubernetes.io bindings a Kubernetes token can carry: a pod's projected token names its pod (and node). */
export const KUBERNETES_BINDINGS = ['pod', 'node'] as const;
export type KubernetesBinding = (typeof KUBERNETES_BINDINGS)[number];

/** Longest assertion lifetime an issuer may be trusted with (a day: projected tokens are usually 10 min to 1 h). */
export const MAX_TRUSTABLE_LIFETIME_SECONDS = 86_400;
export const DEFAULT_MAX_ASSERTION_LIFETIME_SECONDS = 3_600;

/**
 * A workload identity issuer federated_jwt clients authenticate with (issue 30): a Kubernetes cluster's
 * service-account issuer, a SPIFFE trust domain's JWT-SVID issuer, or another OIDC workload identity.
 * Keys: discovered from `<issuer>/.well-known/openid-configuration` unless `jwksUri` or `jwks` is set.
 */
@Entity({ name: 'trusted_issuers' })
export class TrustedIssuerEntity {
  /** The exact `iss` of its tokens. */
  @PrimaryColumn('text')
  issuer!: string;

  @Column('text')
  kind!: TrustedIssuerKind;

  /** Where its keys are fetched from, when not discovered (a SPIFFE bundle endpoint, a JWKS URL). */
  @Column('text', { name: 'jwks_uri', nullable: true })
  jwksUri!: string | null;

  /** Its public keys, given inline (an air-gapped cluster); never fetched. */
  @Column('jsonb', { nullable: true })
  jwks!: JSONWebKeySet | null;

  /** The `aud` its tokens must contain; null: this server's issuer identifier. */
  @Column('text', { name: 'expected_audience', nullable: true })
  audience!: string | null;

  /** Longest exp − iat (or exp − nbf) accepted: the window in which a stolen token is worth anything. */
  @Column('integer', { name: 'max_assertion_lifetime_seconds', default: DEFAULT_MAX_ASSERTION_LIFETIME_SECONDS })
  maxAssertionLifetimeSeconds!: number;

  /** Kubernetes: the namespaces (`kubernetes.io.namespace`) its tokens may come from; empty: any. */
  @Column('text', { name: 'bound_namespaces', array: true, default: () => "'{}'" })
  boundNamespaces!: string[];

  /** Kubernetes: the bindings (`kubernetes.io.pod`, `.node`) every token must carry. */
  @Column('text', { name: 'required_bindings', array: true, default: () => "'{}'" })
  requiredBindings!: KubernetesBinding[];

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;
}
