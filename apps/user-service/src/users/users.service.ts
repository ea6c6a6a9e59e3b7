import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { UserProfileEntity } from './user-profile.entity';

export interface UserProfile {
  id: string;
  username: string;
  display_name: string;
  email: string | null;
}

/** What a verified user token says about its user (sub, preferred_username, name). */
export interface ProvisionedIdentity {
  id: string;
  username: string;
  displayName: string;
}

export type ProvisionOutcome = { created: boolean; profile: UserProfile } | { conflict: true };

const toProfile = (profile: UserProfileEntity): UserProfile => ({
  id: profile.id,
  username: profile.username,
  display_name: profile.displayName,
  email: profile.email,
});

@Injectable()
export class UsersService {
  constructor(@InjectRepository(UserProfileEntity) private readonly profiles: Repository<UserProfileEntity>) {}

  async findById(id: string): Promise<UserProfile | null> {
    const profile = await this.profiles.findOne({ where: { id } });
    return profile && toProfile(profile);
  }

  /**
   * Creates the profile unless one exists for this id (idempotent; concurrent first requests of one
   * user settle on the primary key). An existing profile is returned as it is: what user-service holds
   * is its own, a token never overwrites it. A username held by another id is a conflict.
   */
  async provision(identity: ProvisionedIdentity): Promise<ProvisionOutcome> {
    const inserted = await this.profiles
      .createQueryBuilder()
      .insert()
      .values({ id: identity.id, username: identity.username, displayName: identity.displayName, email: null })
      .orIgnore()
      .returning('id')
      .execute();
    const profile = await this.findById(identity.id);
    if (!profile) return { conflict: true };
    return { created: (inserted.raw as unknown[]).length > 0, profile };
  }
}
