/**
 * `node dist/scripts/register-service.js <name>`: registers a scaffolded service at the auth-server of
 * the stack it runs in (the one-shot `<name>-registration` that `npm run new:service` adds to
 * docker-compose.yml), with the secret the stack gives it in `<NAME>_CLIENT_SECRET`, or, without one
 * and with WORKLOAD_ISSUER set (a secretless cluster), as a federated_jwt client bound to
 * `system:serviceaccount:<NAMESPACE>:<name>` of that issuer. Idempotent: what
 * is already registered is left as it is. Runs the operator CLI of the same image, so it needs the
 * auth-server's DATABASE_URL, CLIENT_SECRET_PEPPER and KEY_ENCRYPTION_KEY.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { NewServiceError, serviceNames } from './new-service/naming';
import { CliResult } from './new-service/registration';
import { ensureRegistered } from './new-service/stack-registration';

const CLI = join(__dirname, '..', 'apps', 'auth-server', 'src', 'cli', 'main.js');

/** The CLI's stderr goes to the log, except for the `show` probes, whose "no resource" is expected. */
function runCli(args: string[], stdin?: string): Promise<CliResult> {
  return new Promise((done, fail) => {
    const probe = args[1] === 'show';
    const child = spawn(process.execPath, [CLI, ...args], { stdio: ['pipe', 'pipe', probe ? 'ignore' : 'inherit'] });
    let stdout = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stdin.end(stdin ?? '');
    child.once('error', fail);
    child.once('close', (code) => done({ code: code ?? 1, stdout }));
  });
}

async function main(argv: string[]): Promise<void> {
  if (argv.length !== 1) throw new NewServiceError('usage: register-service.js <service-name>');
  const names = serviceNames(argv[0]!);
  const variable = `${names.upper}_CLIENT_SECRET`;
  const secret = process.env[variable];
  // Secretless stacks (deploy/k8s prod): the cluster's issuer and the pod's namespace name its workload identity.
  const issuer = process.env.WORKLOAD_ISSUER;
  const credential = !secret && issuer ? { issuer, subject: `system:serviceaccount:${process.env.NAMESPACE ?? 'default'}:${names.name}` } : secret;
  if (!credential) throw new NewServiceError(`${variable} is not set (nor WORKLOAD_ISSUER, for a secretless stack): the stack gives ${names.name} its client secret there`);
  for (const line of await ensureRegistered(names, credential, runCli)) process.stdout.write(`register-service: ${line}\n`);
}

main(process.argv.slice(2)).catch((error: Error) => {
  process.stderr.write(`register-service: ${error.message}\n`);
  process.exitCode = 1;
});
