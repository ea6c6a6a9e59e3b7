/**
 * A scaffolded service's registration in a stack of its own (docker compose, a cluster), where its
 * secret is the stack's (given, not generated): its resource and its client, each created unless it
 * is already there, so the one-shot that runs this can run at every `up`.
 */
import { NewServiceError, ServiceNames } from './naming';
import { CliResult, clientCommand, FederatedIdentity, resourceCommand, shellCommand } from './registration';

/** The operator CLI; `stdin` is piped to it (the client secret, never an argument). */
export type StackCliRunner = (args: string[], stdin?: string) => Promise<CliResult>;

/**
 * Registers what is missing; returns one line per step saying what it found or did. `credential`: the
 * stack's secret for the client, or (secretless) the workload identity it is bound to.
 */
export async function ensureRegistered(n: ServiceNames, credential: string | FederatedIdentity, run: StackCliRunner): Promise<string[]> {
  const done: string[] = [];
  if ((await run(['resources', 'show', n.audience, '--json'])).code === 0) {
    done.push(`resource ${n.audience}: already registered`);
  } else {
    const created = await run(resourceCommand(n));
    if (created.code !== 0) throw new NewServiceError(`registering the resource ${n.audience} failed (see above); by hand: ${shellCommand(resourceCommand(n))}`);
    done.push(`resource ${n.audience}: registered (${n.readScope} ${n.writeScope})`);
  }
  if ((await run(['clients', 'show', n.name, '--json'])).code === 0) {
    // Its secret is left as it is: a changed stack secret needs `clients rotate-secret` (or a fresh database).
    done.push(`client ${n.name}: already registered (its secret unchanged)`);
  } else if (typeof credential !== 'string') {
    const command = clientCommand(n, credential);
    const created = await run(command);
    if (created.code !== 0) throw new NewServiceError(`registering the client ${n.name} failed (see above); by hand: ${shellCommand(command)}`);
    done.push(`client ${n.name}: registered as federated_jwt (${credential.subject} of ${credential.issuer}), no secret`);
  } else {
    const command = [...clientCommand(n), '--secret-stdin'];
    const created = await run(command, credential);
    if (created.code !== 0) throw new NewServiceError(`registering the client ${n.name} failed (see above); by hand: printf %s "$SECRET" | ${shellCommand(command)}`);
    done.push(`client ${n.name}: registered with the stack's ${n.upper}_CLIENT_SECRET`);
  }
  return done;
}
