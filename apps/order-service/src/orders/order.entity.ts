import { Column, CreateDateColumn, Entity, PrimaryColumn } from 'typeorm';

@Entity({ name: 'orders' })
export class OrderEntity {
  @PrimaryColumn('uuid')
  id!: string;

  /** The owner: always the `sub` of the verified user token that created it. */
  @Column('uuid', { name: 'user_id' })
  userId!: string;

  @Column('text')
  item!: string;

  @Column('integer')
  quantity!: number;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;
}
