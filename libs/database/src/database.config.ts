import { registerAs } from '@nestjs/config';

export interface DatabaseConfig {
  url: string;
  /** Log every SQL statement (parameters included); secrets are hashed before they reach SQL. */
  logQueries: boolean;
  poolSize: number;
}

export const databaseConfig = registerAs('database', (): DatabaseConfig => {
  const url = process.env.DATABASE_URL;
  if (!url) {
    throw new Error('DATABASE_URL is not set: start the app through `npm start` (embedded PostgreSQL) or set it.');
  }
  if (!/^postgres(ql)?:\/\//.test(url)) throw new Error('DATABASE_URL must be a postgres:// URL');
  const poolSize = Number(process.env.DATABASE_POOL_SIZE ?? 10);
  if (!Number.isInteger(poolSize) || poolSize < 1) throw new Error('DATABASE_POOL_SIZE must be a positive integer');
  return { url, logQueries: process.env.DATABASE_LOG_QUERIES === 'true', poolSize };
});
