import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Profiles provisioned just in time (PUT /users/:id) know only what a user token says about the user
 * (id, username, display name): an email is not the auth-server's to tell, so it becomes optional.
 */
export class ProvisionedProfiles1796500000000 implements MigrationInterface {
  name = 'ProvisionedProfiles1796500000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE user_profiles ALTER COLUMN email DROP NOT NULL`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`UPDATE user_profiles SET email = '' WHERE email IS NULL`);
    await queryRunner.query(`ALTER TABLE user_profiles ALTER COLUMN email SET NOT NULL`);
  }
}
