import { Column, CreateDateColumn, Entity, PrimaryColumn } from 'typeorm';

/** user-service's own view of a user: the profile other services ask for. */
@Entity({ name: 'user_profiles' })
export class UserProfileEntity {
  /** The same id as the auth-server's user (`sub` of user tokens). */
  @PrimaryColumn('uuid')
  id!: string;

  @Column('text')
  username!: string;

  @Column('text', { name: 'display_name' })
  displayName!: string;

  /** Null for a profile provisioned just in time (the auth-server does not know emails). */
  @Column('text', { nullable: true })
  email!: string | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;
}
