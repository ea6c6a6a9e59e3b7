import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Resources (APIs) as registrations: an audience URI and the scopes it defines (issue 15).
 *
 * Backfill, so every current client keeps working: one resource per audience some client lists
 * (allowed or owned), named after its URI, whose scopes are the union of the allowed scopes of the
 * clients allowed that audience. Operators narrow them afterwards with `resources update`.
 *
 * `audience` on codes and refresh tokens: the audience chosen at the authorization endpoint (from
 * `resource` or the requested scopes) travels with the grant. NULL on rows from before: the client's
 * first audience, as then.
 */
export class Resources1796169600000 implements MigrationInterface {
  name = 'Resources1796169600000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE resources (
        uri text PRIMARY KEY,
        name text NOT NULL,
        scopes text[] NOT NULL DEFAULT '{}',
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await queryRunner.query(`
      INSERT INTO resources (uri, name, scopes)
      SELECT audience.uri, audience.uri,
             ARRAY(SELECT DISTINCT scope FROM clients, unnest(clients.allowed_scopes) AS scope
                    WHERE audience.uri = ANY(clients.allowed_audiences) ORDER BY scope)
        FROM (SELECT unnest(allowed_audiences) AS uri FROM clients
              UNION SELECT unnest(owned_audiences) FROM clients) AS audience`);
    await queryRunner.query(`ALTER TABLE authorization_codes ADD COLUMN audience text`);
    await queryRunner.query(`ALTER TABLE refresh_tokens ADD COLUMN audience text`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE refresh_tokens DROP COLUMN audience`);
    await queryRunner.query(`ALTER TABLE authorization_codes DROP COLUMN audience`);
    await queryRunner.query(`DROP TABLE resources`);
  }
}
