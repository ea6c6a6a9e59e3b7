import { MigrationInterface, QueryRunner } from 'typeorm';

export class Orders1763856200000 implements MigrationInterface {
  name = 'Orders1763856200000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE orders (
        id uuid PRIMARY KEY,
        user_id uuid NOT NULL,
        item text NOT NULL CHECK (length(item) BETWEEN 1 AND 200),
        quantity integer NOT NULL CHECK (quantity BETWEEN 1 AND 1000),
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    await queryRunner.query(`CREATE INDEX orders_user_id_idx ON orders (user_id, created_at)`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE orders`);
  }
}
