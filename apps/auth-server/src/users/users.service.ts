import { isStorableText } from '@app/database';
import { ApiProperty, ApiPropertyOptional } from '@app/platform';
import { Injectable } from '@nestjs/common';
import { InjectDataSource, InjectRepository } from '@nestjs/typeorm';
import { randomUUID } from 'node:crypto';
import { DataSource, EntityManager, Repository } from 'typeorm';
import { AuditActor, AuditLog } from '../audit/audit-log';
import { RegistrationError } from '../audit/registration-error';
import { DISPLAY_NAME } from '../oauth-syntax';
import { revokeGrant } from '../revocation/revoked-grants';
import { DUMMY_PASSWORD_HASH, hashPassword, needsRehash, verifyPassword } from './password-hasher';
import { UserEntity } from './user.entity';
import { isMixedScript, normalizeUsername } from './username';

/** The limits authenticate() applies too: anything longer could never sign in. */
export const MAX_USERNAME_LENGTH = 128;
export const MIN_PASSWORD_LENGTH = 8;
export const MAX_PASSWORD_LENGTH = 1024;
/** Printable, no whitespace (a username is typed into the login form). */
const USERNAME = /^[^\p{C}\s]+$/u;

export type UserStatus = 'active' | 'disabled';

/** A user as the CLI and the admin API show it (never a password); its OpenAPI schema is generated from this class. */
export class UserSummary {
  @ApiProperty()
  id!: string;

  @ApiProperty()
  username!: string;

  @ApiProperty()
  display_name!: string;

  @ApiProperty({ enum: ['active', 'disabled'] })
  status!: UserStatus;

  @ApiProperty({ format: 'date-time' })
  created_at!: string;
}

/** A created user, with the generated password shown this once. */
export class CreatedUserSummary extends UserSummary {
  @ApiPropertyOptional({ description: 'when generated: shown once, only its hash is stored' })
  password?: string;
}

@Injectable()
export class UsersService {
  constructor(
    @InjectRepository(UserEntity) private readonly users: Repository<UserEntity>,
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly audit: AuditLog,
  ) {}

  /** The active user with these credentials, or null; unknown usernames cost a hash too. */
  async authenticate(typed: string, password: string): Promise<UserEntity | null> {
    const username = normalizeUsername(typed);
    const user =
      username.length <= MAX_USERNAME_LENGTH && password.length <= MAX_PASSWORD_LENGTH && isStorableText(username)
        ? await this.users.findOne({ where: { username } })
        : null;
    const valid = await verifyPassword(password.slice(0, MAX_PASSWORD_LENGTH), user?.passwordHash ?? DUMMY_PASSWORD_HASH);
    if (!user || !valid || user.status !== 'active') return null;
    // A hash of older parameters is replaced while the password is at hand (once per user), so an old
    // hash's different time does not set its users apart from unknown usernames for long.
    if (needsRehash(user.passwordHash)) {
      const verified = user.passwordHash;
      const rehashed = await hashPassword(password.slice(0, MAX_PASSWORD_LENGTH));
      // Only where the row still holds the hash just verified: a concurrent password change wins.
      await this.users.update({ id: user.id, passwordHash: verified }, { passwordHash: rehashed });
    }
    return user;
  }

  async findActive(id: string): Promise<UserEntity | null> {
    return this.users.findOne({ where: { id, status: 'active' } });
  }

  /** Whether a user with this id or this username exists. */
  async exists(user: { id: string; username: string }): Promise<boolean> {
    return this.users.exists({ where: [{ id: user.id }, { username: user.username }] });
  }

  /**
   * Creates the user unless the id or username exists (idempotent seeding; replicas starting together
   * race on the insert, ON CONFLICT DO NOTHING settles it). True when this call created it.
   */
  async ensure(user: { id: string; username: string; displayName: string; password: string }, actor: AuditActor): Promise<boolean> {
    // Skip the (deliberately slow) hash on every restart once the user exists.
    if (await this.exists(user)) return false;
    const created = await this.insert({ ...user, passwordHash: await hashPassword(user.password) });
    if (created) this.recordCreate(created, actor);
    return !!created;
  }

  async create(given: { username: string; displayName?: string; password: string }, actor: AuditActor): Promise<UserSummary> {
    validateUsername(given.username);
    const input = { ...given, username: normalizeUsername(given.username) };
    validatePassword(input.password);
    const displayName = input.displayName ?? input.username;
    if (!DISPLAY_NAME.test(displayName)) throw new RegistrationError('a display name must be 1-200 printable characters');
    if (await this.users.exists({ where: { username: input.username } })) throw usernameTaken(input.username);
    const created = await this.insert({ id: randomUUID(), username: input.username, displayName, passwordHash: await hashPassword(input.password) });
    // Taken meanwhile by a concurrent create: the unique username settles it.
    if (!created) throw usernameTaken(input.username);
    this.recordCreate(created, actor);
    return summarize(created);
  }

  /**
   * A new password ends the user's logins, as disabling does: an operator resets a password because
   * the old one may be known, and a session started with it must not outlive it.
   */
  async setPassword(username: string, password: string, actor: AuditActor): Promise<void> {
    validatePassword(password);
    const user = await this.existing(username);
    const passwordHash = await hashPassword(password);
    const loginsEnded = await this.dataSource.transaction(async (manager) => {
      await manager.update(UserEntity, { id: user.id }, { passwordHash });
      return endLogins(manager, user.id);
    });
    this.audit.record({
      action: 'user.passwd',
      target: { type: 'user', id: user.id },
      actor,
      changes: { username, changed: ['password'], logins_ended: loginsEnded },
    });
  }

  /**
   * A disabled user cannot sign in, and their logins end: every refresh-token family is revoked, so
   * refresh fails and the access tokens issued from them introspect inactive. Enabling does not bring
   * those back (sign in again).
   */
  async setStatus(username: string, status: UserStatus, actor: AuditActor): Promise<void> {
    if (status !== 'active' && status !== 'disabled') throw new RegistrationError('status must be active or disabled');
    const user = await this.existing(username);
    const loginsEnded = await this.dataSource.transaction(async (manager) => {
      await manager.update(UserEntity, { id: user.id }, { status });
      return status === 'active' ? 0 : endLogins(manager, user.id);
    });
    this.audit.record({
      action: status === 'active' ? 'user.enable' : 'user.disable',
      target: { type: 'user', id: user.id },
      actor,
      changes: status === 'active' ? { username, status } : { username, status, logins_ended: loginsEnded },
    });
  }

  async list(): Promise<UserSummary[]> {
    return (await this.users.find({ order: { username: 'ASC' } })).map(summarize);
  }

  private async existing(username: string): Promise<UserEntity> {
    const user = isStorableText(username) ? await this.users.findOne({ where: { username: normalizeUsername(username) } }) : null;
    if (!user) throw new RegistrationError(`no user "${username}"`, 'not_found');
    return user;
  }

  /** The inserted row, or null when the id or username was taken. */
  private async insert(user: { id: string; username: string; displayName: string; passwordHash: string }): Promise<UserEntity | null> {
    const result = await this.users
      .createQueryBuilder()
      .insert()
      .values({ id: user.id, username: user.username, displayName: user.displayName, passwordHash: user.passwordHash, status: 'active' })
      .orIgnore()
      .returning('id')
      .execute();
    if (!(result.raw as unknown[]).length) return null;
    return this.users.findOneOrFail({ where: { id: user.id } });
  }

  private recordCreate(user: UserEntity, actor: AuditActor): void {
    this.audit.record({
      action: 'user.create',
      target: { type: 'user', id: user.id },
      actor,
      changes: { username: user.username, display_name: user.displayName, status: user.status },
    });
  }
}

/**
 * Revokes every live refresh-token family of the user (and the access tokens issued from them); how
 * many. Also stamps `logins_ended_at`, so a login authenticated before now (a code not yet exchanged)
 * cannot start a session later (UserGrantsService refuses it).
 */
async function endLogins(manager: EntityManager, userId: string): Promise<number> {
  await manager.query(`UPDATE users SET logins_ended_at = now() WHERE id = $1`, [userId]);
  const families: { family_id: string; client_id: string }[] = await manager.query(
    `SELECT DISTINCT family_id, client_id FROM refresh_tokens WHERE user_id = $1 AND revoked_at IS NULL`,
    [userId],
  );
  for (const family of families) await revokeGrant(manager, family.family_id, family.client_id);
  return families.length;
}

function summarize(user: UserEntity): UserSummary {
  return { id: user.id, username: user.username, display_name: user.displayName, status: user.status, created_at: user.createdAt.toISOString() };
}

function usernameTaken(username: string): RegistrationError {
  return new RegistrationError(`user "${username}" already exists`, 'conflict');
}

function validateUsername(username: string): void {
  if (typeof username !== 'string' || !username.length || username.length > MAX_USERNAME_LENGTH || !USERNAME.test(username)) {
    throw new RegistrationError(`a username must be 1-${MAX_USERNAME_LENGTH} printable characters without spaces`);
  }
  if (isMixedScript(username)) {
    throw new RegistrationError('a username must not mix scripts (e.g. Latin and Cyrillic letters): it could pass for another user');
  }
}

function validatePassword(password: string): void {
  if (typeof password !== 'string' || password.length < MIN_PASSWORD_LENGTH || password.length > MAX_PASSWORD_LENGTH) {
    throw new RegistrationError(`a password must be ${MIN_PASSWORD_LENGTH}-${MAX_PASSWORD_LENGTH} characters`);
  }
}
