import { Column, CreateDateColumn, Entity, PrimaryColumn } from 'typeorm';
import type { JWK } from 'jose';

/**
 * A token-signing key. Its life is read off timestamps, so every replica agrees without a job:
 * published from creation, signs from activatesAt until retiredAt, published until publishUntil.
 */
@Entity({ name: 'signing_keys' })
export class SigningKeyEntity {
  @PrimaryColumn('text')
  kid!: string;

  @Column('text')
  alg!: string;

  @Column('jsonb', { name: 'public_jwk' })
  publicJwk!: JWK;

  /** PKCS#8 DER, AES-256-GCM encrypted with the key-encryption key: iv.tag.ciphertext (base64url). */
  @Column('text', { name: 'private_key_encrypted' })
  privateKeyEncrypted!: string;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @Column('timestamptz', { name: 'activates_at' })
  activatesAt!: Date;

  @Column('timestamptz', { name: 'retired_at', nullable: true })
  retiredAt!: Date | null;

  /** Retired keys stay in JWKS until the last token they signed has expired. */
  @Column('timestamptz', { name: 'publish_until', nullable: true })
  publishUntil!: Date | null;
}
