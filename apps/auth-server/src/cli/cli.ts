import { INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Command, CommanderError } from 'commander';
import { userInfo } from 'node:os';
import { AuditActor, AuditLog, jsonLineSink } from '../audit/audit-log';
import { RegistrationError } from '../audit/registration-error';
import { AuthServerCliModule } from './cli.module';
import { CliContext, UsageError } from './cli-context';
import { registerClientCommands } from './commands/clients.commands';
import { registerKeyCommands } from './commands/keys.commands';
import { registerMigrateCommand } from './commands/migrate.command';
import { registerResourceCommands } from './commands/resources.commands';
import { registerTrustedIssuerCommands } from './commands/trusted-issuers.commands';
import { registerUserCommands } from './commands/users.commands';
import { StderrLogger } from './stderr-logger';
import { withHint } from './hints';
import { withoutUnknownArgumentValues } from './unechoed-arguments';

export interface CliIo {
  out(text: string): void;
  err(text: string): void;
  /** All of standard input; tests pass it in. Default: the process's stdin. */
  stdin?(): Promise<string>;
}

async function readProcessStdin(): Promise<string> {
  // Typed at a terminal, a password would echo on screen and wait for Ctrl-D: ask for a pipe instead.
  if (process.stdin.isTTY) throw new UsageError('--password-stdin reads a pipe, e.g. printf %s "$PASSWORD" | npm run -s cli -- …');
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer));
  return Buffer.concat(chunks).toString('utf8');
}

const processIo: CliIo = {
  out: (text) => process.stdout.write(text),
  err: (text) => process.stderr.write(text),
  stdin: readProcessStdin,
};

const EXAMPLES = [
  'npm run cli -- clients create --id billing --grant api://user-service=users:read --grant api://order-service=orders:read',
  'npm run cli -- clients grant billing --resource api://user-service --scopes "users:read users:provision" --default-scopes users:read',
  'npm run cli -- clients revoke-grant billing --resource api://order-service',
  'npm run cli -- clients create --id billing-api --owns-audience api://billing   (a resource server that introspects)',
  'npm run -s cli -- clients list --json',
  'npm run cli -- clients rotate-secret order-service',
  'npm run cli -- clients revoke-secret order-service <old-secret-id>',
  'npm run cli -- clients disable billing',
  'npm run cli -- keys rotate',
  'npm run cli -- migrate',
  'npm run cli -- clients create --help     (every command has its own --help)',
  'npm run cli -- clients create --id billing-web --auth-method none --grant api://billing-service=invoices:read --redirect-uri http://127.0.0.1/callback',
  'npm run cli -- clients update billing --name "Billing" --owns-audience api://billing',
  'npm run -s cli -- clients show billing --json',
  'npm run cli -- clients delete billing',
  'npm run cli -- users create --username carol --name "Carol"   (a generated password is printed once)',
  'printf %s "$PASSWORD" | npm run -s cli -- users passwd carol --password-stdin',
  'npm run cli -- users disable carol',
  'npm run cli -- resources create --uri api://billing-service --scopes "invoices:read invoices:write" --name Billing',
  'npm run cli -- trusted-issuers create --issuer https://kubernetes.default.svc.cluster.local --kind kubernetes',
  'npm run cli -- clients create --id order-service --auth-method federated_jwt --federated-issuer https://kubernetes.default.svc.cluster.local --federated-subject system:serviceaccount:platform:order-service --grant api://user-service=users:read',
];

/** Every command, nested ones included, read from the command tree so the list cannot drift. */
function overview(program: Command): string {
  const lines: string[] = [];
  const walk = (command: Command, prefix: string) => {
    for (const sub of command.commands) {
      const name = `${prefix}${sub.name()}${sub.registeredArguments.map((arg) => (arg.required ? ` <${arg.name()}>` : ` [${arg.name()}]`)).join('')}`;
      if (sub.commands.length) walk(sub, `${prefix}${sub.name()} `);
      else lines.push(`  ${name.padEnd(48)} ${sub.description()}`);
    }
  };
  walk(program, '');
  return `\nAll commands:\n${lines.join('\n')}\n\nExamples:\n${EXAMPLES.map((example) => `  ${example}`).join('\n')}\n`;
}

/** The operator as the audit log names them: their OS user (no login exists at the CLI). */
function cliActor(): AuditActor {
  try {
    return { kind: 'cli', id: process.env.USER || userInfo().username };
  } catch {
    return { kind: 'cli', id: 'unknown' };
  }
}

/**
 * The operator CLI (`npm run cli -- …`). Returns the exit code instead of exiting, so tests drive it
 * in-process against a real database.
 */
export async function runCli(argv: string[], io: CliIo = processIo): Promise<number> {
  let context: INestApplicationContext | undefined;
  // Progress goes to stderr, so stdout stays pure (--json) and pipes cleanly.
  const progress = (text: string) => io.err(`${text}\n`);
  const app = async () => {
    if (!context) {
      context = await NestFactory.createApplicationContext(AuthServerCliModule, { logger: new StderrLogger({ logLevels: ['fatal', 'error', 'warn'] }) });
      context.get(AuditLog).sendTo(jsonLineSink(io.err));
    }
    return context;
  };
  const print = (json: boolean, value: unknown, text: string) => io.out(json ? `${JSON.stringify(value, null, 2)}\n` : `${text}\n`);

  const program = new Command('cli')
    .description('Operate the auth-server: clients, secrets, users and signing keys.')
    .exitOverride()
    .configureOutput({ writeOut: io.out, writeErr: io.err, outputError: (message, write) => write(withoutUnknownArgumentValues(message)) })
    .showHelpAfterError();

  const readStdin = io.stdin ?? readProcessStdin;
  const ctx: CliContext = { app, print, progress, out: io.out, actor: cliActor(), readStdin };
  registerClientCommands(program, ctx);
  registerUserCommands(program, ctx);
  registerKeyCommands(program, ctx);
  registerMigrateCommand(program, ctx);
  registerResourceCommands(program, ctx);
  registerTrustedIssuerCommands(program, ctx);

  program.addHelpText('after', () => overview(program));

  try {
    await program.parseAsync(argv, { from: 'user' });
    return 0;
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode;
    if (error instanceof RegistrationError || error instanceof UsageError) {
      io.err(`error: ${withHint(error.message)}\n`);
      return 1;
    }
    io.err(`error: ${withHint((error as Error).message)}\n`);
    return 2;
  } finally {
    await context?.close();
  }
}
