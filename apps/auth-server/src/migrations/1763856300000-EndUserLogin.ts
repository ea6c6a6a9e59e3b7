import { MigrationInterface, QueryRunner } from 'typeorm';

export class EndUserLogin1763856300000 implements MigrationInterface {
  name = 'EndUserLogin1763856300000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE clients ADD COLUMN redirect_uris text[] NOT NULL DEFAULT '{}'`);
    await queryRunner.query(`
      CREATE TABLE users (
        id uuid PRIMARY KEY,
        username text NOT NULL UNIQUE,
        password_hash text NOT NULL,
        display_name text NOT NULL,
        status text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'disabled')),
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    // Codes and refresh tokens are stored only as SHA-256 hashes.
    await queryRunner.query(`
      CREATE TABLE authorization_codes (
        code_hash bytea PRIMARY KEY,
        client_id text NOT NULL REFERENCES clients(client_id) ON DELETE CASCADE,
        user_id uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        redirect_uri text NOT NULL,
        code_challenge text NOT NULL,
        scope text NOT NULL,
        auth_time timestamptz NOT NULL,
        expires_at timestamptz NOT NULL,
        consumed_at timestamptz
      )`);
    await queryRunner.query(`
      CREATE TABLE refresh_tokens (
        id uuid PRIMARY KEY,
        token_hash bytea NOT NULL UNIQUE,
        family_id uuid NOT NULL,
        client_id text NOT NULL REFERENCES clients(client_id) ON DELETE CASCADE,
        user_id uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        scope text NOT NULL,
        auth_time timestamptz NOT NULL,
        code_hash bytea,
        expires_at timestamptz NOT NULL,
        revoked_at timestamptz,
        replaced_by uuid,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    await queryRunner.query(`CREATE INDEX refresh_tokens_family_idx ON refresh_tokens (family_id)`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE refresh_tokens`);
    await queryRunner.query(`DROP TABLE authorization_codes`);
    await queryRunner.query(`DROP TABLE users`);
    await queryRunner.query(`ALTER TABLE clients DROP COLUMN redirect_uris`);
  }
}
