/**
 * Registers a new service at the auth-server through the operator CLI, as an operator would: its
 * resource (audience and scopes), user-service's if the auth-server has not registered it yet, then its
 * own client (granted users:read and users:provision at user-service, owner of its audience). The client secret is returned to be written to .env, never printed.
 */
import { NewServiceError, ServiceNames } from './naming';

export interface CliResult {
  code: number;
  stdout: string;
}

/** Runs `npm run -s cli -- <args>`; its stderr (database, progress, audit events) goes to the developer. */
export type CliRunner = (args: string[]) => Promise<CliResult>;

export function resourceCommand(n: ServiceNames): string[] {
  return ['resources', 'create', '--uri', n.audience, '--scopes', `${n.readScope} ${n.writeScope}`, '--json'];
}

/**
 * user-service's API, which every scaffolded service's client is granted at. The auth-server's demo
 * seed registers it at its first start, and new:service may run before that (a fresh clone): then it
 * is registered here the same way (the seed later keeps it and adds any scope it lacks).
 */
export function userServiceResourceCommand(): string[] {
  return ['resources', 'create', '--uri', USER_SERVICE_AUDIENCE, '--scopes', 'users:read users:provision', '--name', 'User service (demo)', '--json'];
}
const USER_SERVICE_AUDIENCE = 'api://user-service';

export function clientCommand(n: ServiceNames): string[] {
  return ['clients', 'create', '--id', n.name, '--grant', 'api://user-service=users:read,users:provision', '--owns-audience', n.audience, '--json'];
}

/** A command as the developer would type it, for "run it yourself" messages. */
export function shellCommand(args: string[]): string {
  return ['npm run -s cli --', ...args.map((arg) => (/^[\w:/.@=-]+$/.test(arg) ? arg : `"${arg}"`))].join(' ');
}

export async function registerService(n: ServiceNames, run: CliRunner): Promise<{ secret: string }> {
  const resource = await run(resourceCommand(n));
  if (resource.code !== 0) {
    throw new NewServiceError(
      `registering the resource ${n.audience} failed (see above). Once fixed, run:\n  ${shellCommand(resourceCommand(n))}\n  ${shellCommand(clientCommand(n))}\n` +
        `and put the client's secret in .env as ${n.upper}_CLIENT_SECRET.`,
    );
  }
  if ((await run(['resources', 'show', USER_SERVICE_AUDIENCE, '--json'])).code !== 0) {
    const userService = await run(userServiceResourceCommand());
    if (userService.code !== 0) {
      throw new NewServiceError(
        `registering the resource ${USER_SERVICE_AUDIENCE} failed (see above). Once fixed, run:\n  ${shellCommand(userServiceResourceCommand())}\n  ${shellCommand(clientCommand(n))}\n` +
          `and put the client's secret in .env as ${n.upper}_CLIENT_SECRET.`,
      );
    }
  }
  const client = await run(clientCommand(n));
  if (client.code !== 0) {
    throw new NewServiceError(
      `registering the client ${n.name} failed (see above). Once fixed, run:\n  ${shellCommand(clientCommand(n))}\n` +
        `and put its secret in .env as ${n.upper}_CLIENT_SECRET.`,
    );
  }
  return { secret: clientSecretOf(client.stdout, n) };
}

/** The secret from `clients create --json`'s output. */
export function clientSecretOf(stdout: string, n: ServiceNames): string {
  let parsed: unknown;
  try {
    parsed = JSON.parse(stdout);
  } catch {
    throw new NewServiceError(`clients create --json printed no JSON; run \`npm run cli -- clients rotate-secret ${n.name}\` for a secret`);
  }
  const secret = (parsed as { client_secret?: unknown } | null)?.client_secret;
  if (typeof secret !== 'string' || secret === '') {
    throw new NewServiceError(`clients create printed no client_secret; run \`npm run cli -- clients rotate-secret ${n.name}\` for one`);
  }
  return secret;
}
