/**
 * __name__'s migrations, run at start under an advisory lock in its schema (__schema__). Add a
 * timestamped class per change (see apps/order-service/src/migrations) and list it here.
 */
// eslint-disable-next-line @typescript-eslint/no-unsafe-function-type
export const __NAME___MIGRATIONS: Function[] = [];
