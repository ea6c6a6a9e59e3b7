import { Logger } from '@nestjs/common';
import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Per-resource client grants (issue 27) in place of the two flat lists, allowed scopes and allowed
 * audiences, which could not say which scope belongs where.
 *
 * Backfill, so every client keeps exactly the tokens it can get now, except scope/audience pairs that
 * no resource defines (today's leak: a token for api://user-service carrying orders:read):
 * 1. an audience some client lists that is not a registered resource becomes one, as the Resources
 *    migration did for the audiences of its day (named after its URI, the union of those clients'
 *    scopes);
 * 2. each client gets one grant per allowed audience: its allowed scopes that the resource defines,
 *    and its default scopes among them. An audience where none of its scopes is defined gets no grant.
 * Every dropped pair is logged, by client. Then the flat lists go: grants are the one place.
 */
export class ClientGrants1796342400000 implements MigrationInterface {
  name = 'ClientGrants1796342400000';
  private readonly logger = new Logger('Migration ClientGrants');

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE client_grants (
        client_id text NOT NULL REFERENCES clients (client_id) ON DELETE CASCADE,
        resource_uri text NOT NULL REFERENCES resources (uri) ON DELETE CASCADE ON UPDATE CASCADE,
        scopes text[] NOT NULL DEFAULT '{}',
        default_scopes text[] NOT NULL DEFAULT '{}',
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (client_id, resource_uri)
      )`);
    await queryRunner.query(`CREATE INDEX client_grants_resource ON client_grants (resource_uri)`);

    const registered: { uri: string }[] = await queryRunner.query(`
      INSERT INTO resources (uri, name, scopes)
      SELECT audience.uri, audience.uri,
             ARRAY(SELECT DISTINCT scope FROM clients, unnest(clients.allowed_scopes) AS scope
                    WHERE audience.uri = ANY(clients.allowed_audiences) ORDER BY scope)
        FROM (SELECT DISTINCT unnest(allowed_audiences) AS uri FROM clients) AS audience
       WHERE NOT EXISTS (SELECT 1 FROM resources WHERE resources.uri = audience.uri)
      RETURNING uri`);
    for (const { uri } of registered) this.logger.log(`registered resource ${uri}: an audience of a client, not yet a resource`);

    const clients: { client_id: string; allowed_scopes: string[]; default_scopes: string[]; allowed_audiences: string[] }[] =
      await queryRunner.query(`SELECT client_id, allowed_scopes, default_scopes, allowed_audiences FROM clients ORDER BY client_id`);
    const resources: { uri: string; scopes: string[] }[] = await queryRunner.query(`SELECT uri, scopes FROM resources`);
    const defined = new Map(resources.map((resource) => [resource.uri, new Set(resource.scopes)]));
    for (const client of clients) {
      const dropped: string[] = [];
      for (const audience of client.allowed_audiences) {
        const there = defined.get(audience) ?? new Set<string>();
        const scopes = client.allowed_scopes.filter((scope) => there.has(scope));
        dropped.push(...client.allowed_scopes.filter((scope) => !there.has(scope)).map((scope) => `${audience} ${scope}`));
        if (!scopes.length) continue;
        await queryRunner.query(
          `INSERT INTO client_grants (client_id, resource_uri, scopes, default_scopes) VALUES ($1, $2, $3, $4)`,
          [client.client_id, audience, scopes, client.default_scopes.filter((scope) => scopes.includes(scope))],
        );
      }
      if (dropped.length) {
        this.logger.log(`client ${client.client_id}: dropped scope/audience pairs no resource defines: ${dropped.join(', ')}`);
      }
    }
    await queryRunner.query(`ALTER TABLE clients DROP COLUMN allowed_scopes, DROP COLUMN default_scopes, DROP COLUMN allowed_audiences`);
  }

  /** The flat lists again, as the image of the grants (resource URIs in order; the pairs dropped on the way up stay dropped). */
  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      ALTER TABLE clients
        ADD COLUMN allowed_scopes text[] NOT NULL DEFAULT '{}',
        ADD COLUMN default_scopes text[] NOT NULL DEFAULT '{}',
        ADD COLUMN allowed_audiences text[] NOT NULL DEFAULT '{}'`);
    await queryRunner.query(`
      UPDATE clients SET
        allowed_scopes = ARRAY(SELECT DISTINCT scope FROM client_grants g, unnest(g.scopes) AS scope WHERE g.client_id = clients.client_id ORDER BY scope),
        default_scopes = ARRAY(SELECT DISTINCT scope FROM client_grants g, unnest(g.default_scopes) AS scope WHERE g.client_id = clients.client_id ORDER BY scope),
        allowed_audiences = ARRAY(SELECT g.resource_uri FROM client_grants g WHERE g.client_id = clients.client_id ORDER BY g.resource_uri)`);
    await queryRunner.query(`DROP TABLE client_grants`);
  }
}
