import { Column, CreateDateColumn, Entity, PrimaryColumn, UpdateDateColumn } from 'typeorm';

/**
 * An API that accepts access tokens: its audience URI (RFC 8707 resource indicator) and the scopes it
 * defines. A client is allowed some of those scopes and lists the URI among its allowed audiences.
 */
@Entity({ name: 'resources' })
export class ResourceEntity {
  @PrimaryColumn('text')
  uri!: string;

  @Column('text')
  name!: string;

  @Column('text', { array: true, default: () => "'{}'" })
  scopes!: string[];

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;
}
