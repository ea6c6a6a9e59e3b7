import { Column, Entity, PrimaryColumn } from 'typeorm';

/** `jti` of client assertions already used (RFC 7523 §3 replay protection), kept until they expire. */
@Entity({ name: 'used_client_assertions' })
export class UsedClientAssertionEntity {
  @PrimaryColumn('text', { name: 'client_id' })
  clientId!: string;

  @PrimaryColumn('text')
  jti!: string;

  @Column('timestamptz', { name: 'expires_at' })
  expiresAt!: Date;
}
