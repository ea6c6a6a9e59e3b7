/** The scope every admin route requires, on a client_credentials token for ADMIN_AUDIENCE. */
export const ADMIN_SCOPE = 'admin';
