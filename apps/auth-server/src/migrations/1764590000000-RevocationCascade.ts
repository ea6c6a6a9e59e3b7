import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Revocation that reaches access tokens without a row per issued token:
 * - `revoked_grants`: end-user grants (a login's refresh-token family) whose access tokens, which carry
 *   the grant id, must introspect inactive; kept until the last such token has expired;
 * - `clients.tokens_revoked_before`: a disabled client's tokens issued before this instant stay dead
 *   even if the client is enabled again;
 * - `clients.owned_audiences`: the audiences a resource server's client owns, so it may introspect
 *   tokens meant for it (RFC 7662 §4: answers only to the token's own client or its audience's owner).
 */
export class RevocationCascade1764590000000 implements MigrationInterface {
  name = 'RevocationCascade1764590000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE revoked_grants (
        grant_id uuid PRIMARY KEY,
        client_id text NOT NULL,
        revoked_at timestamptz NOT NULL DEFAULT now(),
        expires_at timestamptz NOT NULL
      )`);
    await queryRunner.query(`CREATE INDEX revoked_grants_expires_at_idx ON revoked_grants (expires_at)`);
    await queryRunner.query(`ALTER TABLE clients ADD COLUMN tokens_revoked_before timestamptz`);
    await queryRunner.query(`ALTER TABLE clients ADD COLUMN owned_audiences text[] NOT NULL DEFAULT '{}'`);
    // Code replay revokes the whole family the code started, found through the code's hash.
    await queryRunner.query(`CREATE INDEX refresh_tokens_code_hash_idx ON refresh_tokens (code_hash) WHERE code_hash IS NOT NULL`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX refresh_tokens_code_hash_idx`);
    await queryRunner.query(`ALTER TABLE clients DROP COLUMN owned_audiences`);
    await queryRunner.query(`ALTER TABLE clients DROP COLUMN tokens_revoked_before`);
    await queryRunner.query(`DROP TABLE revoked_grants`);
  }
}
