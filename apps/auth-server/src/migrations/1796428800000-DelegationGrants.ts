import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Delegation grants (issue 29, RFC 8693 token exchange): a client grant gains a `kind`. `direct` is
 * what every existing row means ("client X may get scopes S at API A", for itself or from a user's
 * login); `delegation` is "client X may act on behalf of users at API A with scopes S". A client may
 * hold both at one API, so the kind joins the primary key. Existing rows become `direct`: nothing a
 * client can get today changes.
 */
export class DelegationGrants1796428800000 implements MigrationInterface {
  name = 'DelegationGrants1796428800000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      ALTER TABLE client_grants
        ADD COLUMN kind text NOT NULL DEFAULT 'direct' CONSTRAINT client_grants_kind CHECK (kind IN ('direct', 'delegation')),
        DROP CONSTRAINT client_grants_pkey,
        ADD PRIMARY KEY (client_id, resource_uri, kind)`);
  }

  /** Delegation grants cannot be expressed without the kind: they are dropped, direct ones stay. */
  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DELETE FROM client_grants WHERE kind <> 'direct'`);
    await queryRunner.query(`
      ALTER TABLE client_grants
        DROP CONSTRAINT client_grants_pkey,
        ADD PRIMARY KEY (client_id, resource_uri),
        DROP COLUMN kind`);
  }
}
