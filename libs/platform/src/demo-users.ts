/** The demo end users, known to the auth-server (logins) and user-service (profiles) by these ids. */
export const DEMO_USERS = {
  alice: { id: '7f3c2a9e-1b4d-4c8e-9a6f-a11ce0000001', username: 'alice', displayName: 'Alice Example', email: 'alice@example.com' },
  bob: { id: '7f3c2a9e-1b4d-4c8e-9a6f-b0b000000002', username: 'bob', displayName: 'Bob Example', email: 'bob@example.com' },
} as const;
