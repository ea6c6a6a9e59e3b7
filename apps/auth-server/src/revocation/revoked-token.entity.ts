import { Column, CreateDateColumn, Entity, PrimaryColumn } from 'typeorm';

/** Revoked access tokens by `jti`, kept only until they would have expired anyway. */
@Entity({ name: 'revoked_tokens' })
export class RevokedTokenEntity {
  @PrimaryColumn('text')
  jti!: string;

  @Column('text', { name: 'client_id' })
  clientId!: string;

  @Column('timestamptz', { name: 'expires_at' })
  expiresAt!: Date;

  @CreateDateColumn({ name: 'revoked_at', type: 'timestamptz' })
  revokedAt!: Date;
}
