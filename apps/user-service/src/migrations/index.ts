import { UserProfiles1763856100000 } from './1763856100000-UserProfiles';
import { ProvisionedProfiles1796500000000 } from './1796500000000-ProvisionedProfiles';

export const USER_SERVICE_MIGRATIONS = [UserProfiles1763856100000, ProvisionedProfiles1796500000000];
