import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Federated client authentication (issue 30): the workload identity issuers the auth-server trusts
 * (a Kubernetes cluster's service-account issuer, a SPIFFE trust domain, an OIDC workload identity),
 * and, on each federated_jwt client, the issuer and the exact `sub` it authenticates as.
 *
 * A client's issuer is a foreign key without cascade: deleting an issuer that clients still rely on
 * is refused (TrustedIssuersService says which), never a silent lock-out of those clients.
 */
export class TrustedIssuers1796515200000 implements MigrationInterface {
  name = 'TrustedIssuers1796515200000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE trusted_issuers (
        issuer text PRIMARY KEY,
        kind text NOT NULL CHECK (kind IN ('kubernetes', 'spiffe', 'oidc')),
        jwks_uri text,
        jwks jsonb,
        expected_audience text,
        max_assertion_lifetime_seconds integer NOT NULL DEFAULT 3600 CHECK (max_assertion_lifetime_seconds > 0),
        bound_namespaces text[] NOT NULL DEFAULT '{}',
        required_bindings text[] NOT NULL DEFAULT '{}',
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        CHECK (jwks_uri IS NULL OR jwks IS NULL)
      )`);
    await queryRunner.query(`ALTER TABLE clients DROP CONSTRAINT clients_token_endpoint_auth_method_check`);
    await queryRunner.query(`
      ALTER TABLE clients
        ADD CONSTRAINT clients_token_endpoint_auth_method_check
          CHECK (token_endpoint_auth_method IN ('client_secret_basic', 'client_secret_post', 'private_key_jwt', 'federated_jwt', 'none')),
        ADD COLUMN federated_issuer text REFERENCES trusted_issuers (issuer) ON DELETE RESTRICT,
        ADD COLUMN federated_subject text,
        ADD CONSTRAINT clients_federated_binding_check
          CHECK ((token_endpoint_auth_method = 'federated_jwt') = (federated_issuer IS NOT NULL AND federated_subject IS NOT NULL))`);
    await queryRunner.query(`CREATE INDEX clients_federated_issuer ON clients (federated_issuer) WHERE federated_issuer IS NOT NULL`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    // Federated clients cannot exist without the method: they go with it (as their grants and tokens do).
    await queryRunner.query(`DELETE FROM clients WHERE token_endpoint_auth_method = 'federated_jwt'`);
    await queryRunner.query(`DROP INDEX clients_federated_issuer`);
    await queryRunner.query(`
      ALTER TABLE clients
        DROP CONSTRAINT clients_federated_binding_check,
        DROP COLUMN federated_subject,
        DROP COLUMN federated_issuer,
        DROP CONSTRAINT clients_token_endpoint_auth_method_check`);
    await queryRunner.query(`
      ALTER TABLE clients ADD CONSTRAINT clients_token_endpoint_auth_method_check
        CHECK (token_endpoint_auth_method IN ('client_secret_basic', 'client_secret_post', 'private_key_jwt', 'none'))`);
    await queryRunner.query(`DROP TABLE trusted_issuers`);
  }
}
