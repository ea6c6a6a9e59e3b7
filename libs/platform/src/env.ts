/**
 * Where a variable comes from, for every process of this repository (the apps' ConfigModule, `npm
 * start`, the CLI, the demo, the scaffold, `npm run token`, the bench): the environment, else `.env`,
 * else `.env.example`, whose documented development defaults let a fresh clone start with no setup.
 * Production reads the real environment only. The files are those of the current directory, the
 * repository under every `npm run` (Nest's ConfigModule reads the same paths).
 */
import { parse } from 'dotenv';
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';

/** `.env` first, then (outside production) `.env.example`. Production reads none. */
export function envFilePaths(env: NodeJS.ProcessEnv = process.env): string[] {
  return env.NODE_ENV === 'production' ? [] : ['.env', '.env.example'];
}

/** The variables the env files give, `.env` over `.env.example` (none in production). */
export function envFileValues(dir = process.cwd(), env: NodeJS.ProcessEnv = process.env): Record<string, string> {
  return Object.assign(
    {},
    ...envFilePaths(env)
      .map((file) => resolve(dir, file))
      .filter((file) => existsSync(file))
      .reverse()
      .map((file) => parse(readFileSync(file))),
  ) as Record<string, string>;
}

/** The environment as every process here sees it: its own variables over the env files'. */
export function resolvedEnvironment(dir = process.cwd(), env: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  return { ...envFileValues(dir, env), ...env };
}

/**
 * Fills the unset variables of this process from the env files, as ConfigModule does for an app: a
 * script calls it first, so that what it reads (DATABASE_URL, EMBEDDED_PG_PORT, ports…) and what it
 * hands its children agree with the apps.
 */
export function loadEnvFiles(dir = process.cwd()): void {
  for (const [name, value] of Object.entries(envFileValues(dir))) {
    if (!Object.prototype.hasOwnProperty.call(process.env, name)) process.env[name] = value;
  }
}

/** Demo data is seeded outside production unless SEED_DEMO_DATA says otherwise. */
export function demoSeedingEnabled(): boolean {
  return (process.env.SEED_DEMO_DATA ?? (process.env.NODE_ENV === 'production' ? 'false' : 'true')) === 'true';
}
