/**
 * The names a new service goes by, all derived from the one the developer types, so the folder, the
 * client id, the audience, the scopes, the variables and the classes cannot disagree.
 */

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

/** The next port after every app's (scaffold.ts appPorts), so `npm start` never has two on one. */
export function nextFreePort(takenPorts: number[]): number {
  const port = Math.max(3000, ...takenPorts) + 1;
  if (port > 65535) throw new NewServiceError('no free default port above the other apps\' (65535 reached)');
  return port;
}
