import { MigrationInterface, QueryRunner } from 'typeorm';

export class InitialSchema1763856000000 implements MigrationInterface {
  name = 'InitialSchema1763856000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE clients (
        client_id text PRIMARY KEY,
        name text NOT NULL,
        allowed_scopes text[] NOT NULL DEFAULT '{}',
        default_scopes text[] NOT NULL DEFAULT '{}',
        allowed_audiences text[] NOT NULL DEFAULT '{}',
        grant_types text[] NOT NULL,
        token_endpoint_auth_method text NOT NULL
          CHECK (token_endpoint_auth_method IN ('client_secret_basic', 'client_secret_post', 'private_key_jwt', 'none')),
        jwks jsonb,
        jwks_uri text,
        enabled boolean NOT NULL DEFAULT true,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await queryRunner.query(`
      CREATE TABLE client_secrets (
        id uuid PRIMARY KEY,
        client_id text NOT NULL REFERENCES clients(client_id) ON DELETE CASCADE,
        secret_hash bytea NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        expires_at timestamptz,
        revoked_at timestamptz
      )`);
    await queryRunner.query(`CREATE INDEX client_secrets_client_id_idx ON client_secrets (client_id)`);
    await queryRunner.query(`
      CREATE TABLE signing_keys (
        kid text PRIMARY KEY,
        alg text NOT NULL,
        public_jwk jsonb NOT NULL,
        private_key_encrypted text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        activates_at timestamptz NOT NULL,
        retired_at timestamptz,
        publish_until timestamptz
      )`);
    await queryRunner.query(`
      CREATE TABLE revoked_tokens (
        jti text PRIMARY KEY,
        client_id text NOT NULL,
        expires_at timestamptz NOT NULL,
        revoked_at timestamptz NOT NULL DEFAULT now()
      )`);
    await queryRunner.query(`CREATE INDEX revoked_tokens_expires_at_idx ON revoked_tokens (expires_at)`);
    await queryRunner.query(`
      CREATE TABLE used_client_assertions (
        client_id text NOT NULL,
        jti text NOT NULL,
        expires_at timestamptz NOT NULL,
        PRIMARY KEY (client_id, jti)
      )`);
    await queryRunner.query(`CREATE INDEX used_client_assertions_expires_at_idx ON used_client_assertions (expires_at)`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE used_client_assertions`);
    await queryRunner.query(`DROP TABLE revoked_tokens`);
    await queryRunner.query(`DROP TABLE signing_keys`);
    await queryRunner.query(`DROP TABLE client_secrets`);
    await queryRunner.query(`DROP TABLE clients`);
  }
}
