/**
 * The names a new service goes by, all derived from the one the developer types, so the folder, the
 * client id, the audience, the scopes, the variables and the classes cannot disagree.
 */
import { serviceVariables as variablesOf } from '@app/user-directory/service-variables';

/** A mistake in what the developer asked for: printed as one line, exit code 1. */
export class NewServiceError extends Error {}

export interface ServiceNames {
  /** `billing-service`: folder, Nest project, client id. */
  name: string;
  /** `billing`: route prefix and scope prefix (the name without a trailing `-service`). */
  base: string;
  /** `BillingService`: class names. */
  pascal: string;
  /** `billingService`: the config namespace. */
  camel: string;
  /** `BILLING_SERVICE`: prefix of its environment variables. */
  upper: string;
  /** `api://billing-service`: the audience its tokens carry. */
  audience: string;
  /** `billing_service`: its own PostgreSQL schema. */
  schema: string;
  readScope: string;
  writeScope: string;
}

// Lower-case words joined by single hyphens: valid as a folder, an npm-style project name, a client id
// (RFC 6749 VSCHAR), a URI host-ish part and, upper-cased, an environment variable.
const NAME = /^[a-z][a-z0-9]*(?:-[a-z0-9]+)*$/;
const MAX_LENGTH = 40;

export function serviceNames(input: string): ServiceNames {
  const name = input.trim();
  if (!NAME.test(name)) {
    throw new NewServiceError(
      `"${input}" is not a service name: use lower-case letters, digits and single hyphens, starting with a letter (e.g. billing-service)`,
    );
  }
  if (name.length > MAX_LENGTH) throw new NewServiceError(`"${name}" is longer than ${MAX_LENGTH} characters`);
  const base = name.endsWith('-service') ? name.slice(0, -'-service'.length) : name;
  const words = name.split('-');
  const pascal = words.map((word) => word[0]!.toUpperCase() + word.slice(1)).join('');
  return {
    name,
    base,
    pascal,
    camel: pascal[0]!.toLowerCase() + pascal.slice(1),
    upper: name.toUpperCase().replace(/-/g, '_'),
    audience: `api://${name}`,
    schema: name.replace(/-/g, '_'),
    readScope: `${base}:read`,
    writeScope: `${base}:write`,
  };
}

/** The environment variables a service reads under its own prefix (libs/user-directory reads them). */
export function serviceVariables(n: ServiceNames): string[] {
  const { port, audience, clientId, clientSecret, clientAssertionFile } = variablesOf(n.name);
  return [port, audience, clientId, clientSecret, clientAssertionFile];
}

/**
 * Named in .env.example for libs/auth/example's sample billing-service, which no app reads: a real
 * billing-service (the README's scaffolding example) may take them.
 */
const EXAMPLE_ONLY_VARIABLES = ['BILLING_SERVICE_CLIENT_SECRET', 'BILLING_SERVICE_PRIVATE_KEY'];

/**
 * Refuses a name whose variables or audience the platform already uses: `metrics` would read
 * METRICS_PORT, `embedded-pg` EMBEDDED_PG_PORT, `auth-server-admin` would own the admin API's audience,
 * `default` the default audience. The platform's surface is `.env.example`, which names every variable
 * the code reads (test/env-example.spec.ts) and the audiences' defaults; the block an earlier run of
 * new:service added for this same name does not count.
 */
export function assertNoPlatformCollision(n: ServiceNames, envExample: string): void {
  const ownBlock = new RegExp(`^# --- ${n.name} \\(added by npm run new:service\\) ---\n(?:#.*\n?)*`, 'm');
  const platform = envExample.replace(ownBlock, '');
  const documented = new Set([...platform.matchAll(/^#?[ \t]*([A-Z][A-Z0-9_]*)=/gm)].map((match) => match[1]));
  for (const variable of EXAMPLE_ONLY_VARIABLES) documented.delete(variable);
  const variables = serviceVariables(n).filter((variable) => documented.has(variable));
  if (variables.length) {
    throw new NewServiceError(`"${n.name}" would read ${variables.join(', ')}, which the platform already uses: pick another name`);
  }
  // Names are [a-z0-9-] only (NAME above): nothing in the audience needs escaping.
  if (new RegExp(`${n.audience}(?![a-z0-9-])`).test(platform)) {
    throw new NewServiceError(`"${n.name}" would claim the audience ${n.audience}, which the platform already uses: pick another name`);
  }
}

/** The next port after every app's (scaffold.ts appPorts), so `npm start` never has two on one. */
export function nextFreePort(takenPorts: number[]): number {
  const port = Math.max(3000, ...takenPorts) + 1;
  if (port > 65535) throw new NewServiceError('no free default port above the other apps\' (65535 reached)');
  return port;
}
