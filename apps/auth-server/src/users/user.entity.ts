import { Column, CreateDateColumn, Entity, PrimaryColumn, UpdateDateColumn } from 'typeorm';

/** An end user who can log in (authorization code flow). */
@Entity({ name: 'users' })
export class UserEntity {
  @PrimaryColumn('uuid')
  id!: string;

  @Column('text', { unique: true })
  username!: string;

  /** scrypt, see password-hasher.ts */
  @Column('text', { name: 'password_hash' })
  passwordHash!: string;

  @Column('text', { name: 'display_name' })
  displayName!: string;

  @Column('text')
  status!: 'active' | 'disabled';

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;
}
