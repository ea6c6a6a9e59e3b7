import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * `users.logins_ended_at`: when the user's logins were last ended (password set, user disabled). A
 * login that authenticated before it (an authorization code not yet exchanged, issue 24) starts no
 * session afterwards. NULL: never ended.
 */
export class LoginsEndedAt1796256000000 implements MigrationInterface {
  name = 'LoginsEndedAt1796256000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE users ADD COLUMN logins_ended_at timestamptz`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE users DROP COLUMN logins_ended_at`);
  }
}
