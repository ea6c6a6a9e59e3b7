/**
 * The admin API's scopes, on a client_credentials token for ADMIN_AUDIENCE: one per area, so
 * automation can hold least privilege, and `admin`, which includes them all.
 */
export const ADMIN_SCOPE = 'admin';
export const ADMIN_AREA_SCOPES = {
  clients: 'admin:clients',
  users: 'admin:users',
  resources: 'admin:resources',
  // The workload issuers federated_jwt clients authenticate with (issue 30): trusting one is its own privilege.
  'trusted-issuers': 'admin:trusted-issuers',
} as const;
export type AdminArea = keyof typeof ADMIN_AREA_SCOPES;

/** The scopes that open an area, narrowest first: its own, or `admin`. */
export function scopesFor(area: AdminArea): [string, string] {
  return [ADMIN_AREA_SCOPES[area], ADMIN_SCOPE];
}
