import { InitialSchema1763856000000 } from './1763856000000-InitialSchema';
import { EndUserLogin1763856300000 } from './1763856300000-EndUserLogin';
import { RevocationCascade1764590000000 } from './1764590000000-RevocationCascade';
import { Resources1796169600000 } from './1796169600000-Resources';
import { LoginsEndedAt1796256000000 } from './1796256000000-LoginsEndedAt';
import { ClientGrants1796342400000 } from './1796342400000-ClientGrants';
import { TrustedIssuers1796515200000 } from './1796515200000-TrustedIssuers';

/** In order; run at start under an advisory lock, or with `npm run migration:run`. */
export const AUTH_SERVER_MIGRATIONS = [InitialSchema1763856000000, EndUserLogin1763856300000, RevocationCascade1764590000000, Resources1796169600000, LoginsEndedAt1796256000000, ClientGrants1796342400000, TrustedIssuers1796515200000];
