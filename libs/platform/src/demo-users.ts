/** The demo end users, known to the auth-server (logins) and user-service (profiles) by these ids. */
export const DEMO_USERS = {
  alice: { id: '7f3c2a9e-1b4d-4c8e-9a6f-a11ce0000001', username: 'alice', displayName: 'Alice Example', email: 'alice@example.com' },
  bob: { id: '7f3c2a9e-1b4d-4c8e-9a6f-b0b000000002', username: 'bob', displayName: 'Bob Example', email: 'bob@example.com' },
} as const;

/** Fixed ids so the demo, the docs and the flow explorer can name them (alice's first order, bob's order). */
export const DEMO_ORDERS = [
  { id: '0a1b2c3d-0000-4000-8000-a11ce0000101', userId: DEMO_USERS.alice.id, item: 'Espresso beans, 1 kg', quantity: 2 },
  { id: '0a1b2c3d-0000-4000-8000-a11ce0000102', userId: DEMO_USERS.alice.id, item: 'Milk frother', quantity: 1 },
  { id: '0a1b2c3d-0000-4000-8000-b0b000000201', userId: DEMO_USERS.bob.id, item: 'Green tea, 100 bags', quantity: 3 },
] as const;
