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

/**
 * Secretless (README, "Running without client secrets"): the client authenticates with its workload
 * identity token (federated_jwt), bound to one trusted issuer and one exact `sub`, e.g.
 * `system:serviceaccount:platform:billing-service` or `spiffe://example.org/ns/platform/sa/billing-service`.
 */
export interface FederatedIdentity {
  issuer: string;
  subject: string;
}

export function clientCommand(n: ServiceNames, federated?: FederatedIdentity): string[] {
  const authentication = federated
    ? ['--auth-method', 'federated_jwt', '--federated-issuer', federated.issuer, '--federated-subject', federated.subject]
    : [];
  return ['clients', 'create', '--id', n.name, ...authentication, '--grant', 'api://user-service=users:read,users:provision', '--owns-audience', n.audience, '--json'];
}

/** The flags of a federated client, checked before anything is written: an absolute issuer URL and a non-empty subject. */
export function federatedIdentityOf(issuer: string | undefined, subject: string | undefined): FederatedIdentity | undefined {
  if (issuer === undefined && subject === undefined) return undefined;
  if (!issuer || !subject) throw new NewServiceError('--federated-issuer and --federated-subject go together (the trusted issuer and the exact sub of the workload token)');
  let url: URL;
  try {
    url = new URL(issuer);
  } catch {
    throw new NewServiceError(`--federated-issuer must be an absolute URL, got "${issuer}"`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new NewServiceError('--federated-issuer must be an http(s) URL');
  return { issuer, subject };
}

/** A command as the developer would type it, for "run it yourself" messages. */
export function shellCommand(args: string[]): string {
  return ['npm run -s cli --', ...args.map((arg) => (/^[\w:/.@=-]+$/.test(arg) ? arg : `"${arg}"`))].join(' ');
}

/** Registers the service; its secret is returned, except for a federated client, which has none. */
export async function registerService(n: ServiceNames, run: CliRunner, federated?: FederatedIdentity): Promise<{ secret?: string }> {
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
  const client = await run(clientCommand(n, federated));
  if (client.code !== 0) {
    throw new NewServiceError(
      `registering the client ${n.name} failed (see above). Once fixed, run:\n  ${shellCommand(clientCommand(n, federated))}\n` +
        (federated ? `and set ${n.upper}_CLIENT_ASSERTION_FILE where it runs.` : `and put its secret in .env as ${n.upper}_CLIENT_SECRET.`),
    );
  }
  return federated ? {} : { secret: clientSecretOf(client.stdout, n) };
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
