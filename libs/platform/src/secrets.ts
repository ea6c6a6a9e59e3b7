/**
 * Placeholder detection for secrets read from the environment. `.env.example` ships development
 * values that all say "change-me"; a copied `.env` or a forgotten compose default must never reach
 * production, where a demo client with a published secret would be a back door.
 */
export function isPlaceholderSecret(value: string): boolean {
  return value.length < 32 || /change-?me|placeholder|example|secret-here|\.\.\./i.test(value);
}

/**
 * A secret that must be set. In production it must not be a placeholder (or shorter than 32
 * characters): the app refuses to start, naming the variable, rather than run with a known value.
 */
export function requiredSecret(name: string, production = process.env.NODE_ENV === 'production'): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set (see .env.example)`);
  assertNotPlaceholder(name, value, production);
  return value;
}

/** Like requiredSecret, for a variable that may be unset (then undefined). */
export function optionalSecret(name: string, production = process.env.NODE_ENV === 'production'): string | undefined {
  const value = process.env[name];
  if (!value) return undefined;
  assertNotPlaceholder(name, value, production);
  return value;
}

function assertNotPlaceholder(name: string, value: string, production: boolean): void {
  if (production && isPlaceholderSecret(value)) {
    throw new Error(`${name} holds a placeholder or is shorter than 32 characters: refusing to start in production`);
  }
}
