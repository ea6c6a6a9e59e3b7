import { Column, CreateDateColumn, Entity, JoinColumn, ManyToOne, PrimaryColumn } from 'typeorm';
import { ClientEntity } from './client.entity';

/** A client secret, stored only as its keyed hash. Two may be active at once (rotation with overlap). */
@Entity({ name: 'client_secrets' })
export class ClientSecretEntity {
  @PrimaryColumn('uuid')
  id!: string;

  @Column('text', { name: 'client_id' })
  clientId!: string;

  @ManyToOne(() => ClientEntity, (client) => client.secrets, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'client_id' })
  client?: ClientEntity;

  /** HMAC-SHA-256(pepper, secret) */
  @Column('bytea', { name: 'secret_hash' })
  secretHash!: Buffer;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @Column('timestamptz', { name: 'expires_at', nullable: true })
  expiresAt!: Date | null;

  @Column('timestamptz', { name: 'revoked_at', nullable: true })
  revokedAt!: Date | null;
}

export function isSecretActive(secret: ClientSecretEntity, now: Date): boolean {
  return !secret.revokedAt && (!secret.expiresAt || secret.expiresAt > now);
}
