import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { UserProfileEntity } from './user-profile.entity';

export interface UserProfile {
  id: string;
  username: string;
  display_name: string;
  email: string;
}

@Injectable()
export class UsersService {
  constructor(@InjectRepository(UserProfileEntity) private readonly profiles: Repository<UserProfileEntity>) {}

  async findById(id: string): Promise<UserProfile | null> {
    const profile = await this.profiles.findOne({ where: { id } });
    return profile && { id: profile.id, username: profile.username, display_name: profile.displayName, email: profile.email };
  }
}
