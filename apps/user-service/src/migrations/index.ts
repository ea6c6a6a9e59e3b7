import { UserProfiles1763856100000 } from './1763856100000-UserProfiles';

export const USER_SERVICE_MIGRATIONS = [UserProfiles1763856100000];
