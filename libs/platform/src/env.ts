/**
 * `.env` first, then (outside production) `.env.example`, whose documented development defaults
 * let a fresh clone start with no setup. Production reads the real environment only.
 */
export function envFilePaths(): string[] {
  return process.env.NODE_ENV === 'production' ? [] : ['.env', '.env.example'];
}

/** Demo data is seeded outside production unless SEED_DEMO_DATA says otherwise. */
export function demoSeedingEnabled(): boolean {
  return (process.env.SEED_DEMO_DATA ?? (process.env.NODE_ENV === 'production' ? 'false' : 'true')) === 'true';
}
