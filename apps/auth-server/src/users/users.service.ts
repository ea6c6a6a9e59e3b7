import { isStorableText } from '@app/database';
import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { DUMMY_PASSWORD_HASH, hashPassword, verifyPassword } from './password-hasher';
import { UserEntity } from './user.entity';

@Injectable()
export class UsersService {
  constructor(@InjectRepository(UserEntity) private readonly users: Repository<UserEntity>) {}

  /** The active user with these credentials, or null; unknown usernames cost a hash too. */
  async authenticate(username: string, password: string): Promise<UserEntity | null> {
    const user = username.length <= 128 && password.length <= 1024 && isStorableText(username) ? await this.users.findOne({ where: { username } }) : null;
    const valid = await verifyPassword(password.slice(0, 1024), user?.passwordHash ?? DUMMY_PASSWORD_HASH);
    return user && valid && user.status === 'active' ? user : null;
  }

  async findActive(id: string): Promise<UserEntity | null> {
    return this.users.findOne({ where: { id, status: 'active' } });
  }

  /**
   * Creates the user unless the id or username exists (idempotent seeding; replicas starting together
   * race on the insert, ON CONFLICT DO NOTHING settles it). True when this call created it.
   */
  async ensure(user: { id: string; username: string; displayName: string; password: string }): Promise<boolean> {
    // Skip the (deliberately slow) hash on every restart once the user exists.
    if (await this.users.exists({ where: [{ id: user.id }, { username: user.username }] })) return false;
    const result = await this.users
      .createQueryBuilder()
      .insert()
      .values({
        id: user.id,
        username: user.username,
        displayName: user.displayName,
        passwordHash: await hashPassword(user.password),
        status: 'active',
      })
      .orIgnore()
      .returning('id')
      .execute();
    return (result.raw as unknown[]).length > 0;
  }
}
