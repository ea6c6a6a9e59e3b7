import { INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Command, CommanderError, Option } from 'commander';
import { readFileSync } from 'node:fs';
import type { JSONWebKeySet } from 'jose';
import { CLIENT_AUTH_METHODS, TokenEndpointAuthMethod } from '../clients/client.entity';
import { ClientRegistrationError, ClientsService } from '../clients/clients.service';
import { SigningKeysService } from '../keys/signing-keys.service';
import { AuthServerCliModule } from './cli.module';
import { withHint } from './hints';

export interface CliIo {
  out(text: string): void;
  err(text: string): void;
}

const processIo: CliIo = {
  out: (text) => process.stdout.write(text),
  err: (text) => process.stderr.write(text),
};

/** A mistake the operator can fix: printed without a stack, exit code 1. */
class UsageError extends Error {}

function splitList(value: string, previous: string[] = []): string[] {
  return [...previous, ...value.split(/[\s,]+/).filter(Boolean)];
}

const EXAMPLES = [
  'npm run cli -- clients create --id billing --scopes "users:read orders:read" --audience api://user-service',
  'npm run cli -- clients create --id billing-api --scopes "" --owns-audience api://billing   (a resource server that introspects)',
  'npm run -s cli -- clients list --json',
  'npm run cli -- clients rotate-secret order-service',
  'npm run cli -- clients revoke-secret order-service <old-secret-id>',
  'npm run cli -- clients disable billing',
  'npm run cli -- keys rotate',
  'npm run cli -- migrate',
  'npm run cli -- clients create --help     (every command has its own --help)',
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

/**
 * The operator CLI (`npm run cli -- …`). Returns the exit code instead of exiting, so tests drive it
 * in-process against a real database.
 */
export async function runCli(argv: string[], io: CliIo = processIo): Promise<number> {
  let context: INestApplicationContext | undefined;
  // Progress goes to stderr, so stdout stays pure (--json) and pipes cleanly.
  const progress = (text: string) => io.err(`${text}\n`);
  const app = async () => {
    context ??= await NestFactory.createApplicationContext(AuthServerCliModule, { logger: ['fatal', 'error', 'warn'] });
    return context;
  };
  const print = (json: boolean, value: unknown, text: string) => io.out(json ? `${JSON.stringify(value, null, 2)}\n` : `${text}\n`);

  const program = new Command('cli')
    .description('Operate the auth-server: clients, secrets and signing keys.')
    .exitOverride()
    .configureOutput({ writeOut: io.out, writeErr: io.err })
    .showHelpAfterError();

  const clients = program.command('clients').description('register and manage OAuth clients');
  clients
    .command('create')
    .description('register a client; a generated secret is printed once (store it now)')
    .requiredOption('--id <client-id>', 'client_id (A-Z a-z 0-9 . _ ~ -)')
    .requiredOption('--scopes <scopes>', 'allowed scopes, space- or comma-separated', splitList)
    .option('--default-scopes <scopes>', 'granted when a request names no scope (default: all allowed)', splitList)
    .option('--audience <uri>', 'allowed audience / resource; repeat for more (first is the default)', splitList)
    .option(
      '--owns-audience <uri>',
      'an audience this client owns as a resource server: it may introspect tokens issued for it; repeat for more',
      splitList,
    )
    .option('--name <name>', 'display name')
    .addOption(new Option('--auth-method <method>', 'token endpoint auth method').choices(CLIENT_AUTH_METHODS).default('client_secret_basic'))
    .option('--jwks-file <path>', 'public JWKS file (private_key_jwt)')
    .option('--jwks-uri <uri>', 'JWKS URL of the client (private_key_jwt)')
    .option('--json', 'machine-readable output')
    .addHelpText(
      'after',
      '\nExamples:\n  npm run cli -- clients create --id billing --scopes "users:read orders:read" --audience api://user-service\n  npm run -s cli -- clients create --id reports --scopes reports:read --auth-method private_key_jwt --jwks-file ./reports.jwks.json --json',
    )
    .action(async (options) => {
      let jwks: JSONWebKeySet | undefined;
      if (options.jwksFile) {
        try {
          jwks = JSON.parse(readFileSync(options.jwksFile, 'utf8')) as JSONWebKeySet;
        } catch (error) {
          throw new UsageError(`cannot read --jwks-file ${options.jwksFile}: ${(error as Error).message}`);
        }
      }
      const { client, secret } = await (await app()).get(ClientsService).create({
        clientId: options.id,
        name: options.name,
        scopes: options.scopes,
        defaultScopes: options.defaultScopes,
        audiences: options.audience,
        ownedAudiences: options.ownsAudience,
        authMethod: options.authMethod as TokenEndpointAuthMethod,
        jwks,
        jwksUri: options.jwksUri,
      });
      const result = {
        client_id: client.clientId,
        ...(secret ? { client_secret: secret.secret, secret_id: secret.secretId } : {}),
        token_endpoint_auth_method: client.authMethod,
        scopes: client.allowedScopes,
        default_scopes: client.defaultScopes,
        audiences: client.allowedAudiences,
        owned_audiences: client.ownedAudiences,
      };
      print(
        Boolean(options.json),
        result,
        [
          `created client ${client.clientId} (${client.authMethod})`,
          `  scopes:    ${client.allowedScopes.join(' ')}`,
          `  audiences: ${client.allowedAudiences.join(' ')}`,
          ...(client.ownedAudiences.length ? [`  owns:      ${client.ownedAudiences.join(' ')} (may introspect their tokens)`] : []),
          ...(secret ? [`  secret:    ${secret.secret}`, '  (shown once: only its hash is stored)'] : []),
        ].join('\n'),
      );
    });

  clients
    .command('list')
    .description('list clients and their secrets (ids and dates only)')
    .option('--json', 'machine-readable output')
    .action(async (options) => {
      const list = await (await app()).get(ClientsService).list();
      const text = list.length
        ? list
            .map(
              (c) =>
                `${c.client_id}${c.enabled ? '' : ' (disabled)'}  ${c.token_endpoint_auth_method}  scopes: ${c.scopes.join(' ')}  audiences: ${c.audiences.join(' ')}${c.owned_audiences.length ? `  owns: ${c.owned_audiences.join(' ')}` : ''}\n` +
                c.secrets.map((s) => `    secret ${s.id}  created ${s.created_at}${s.expires_at ? `  expires ${s.expires_at}` : ''}${s.active ? '' : '  (inactive)'}`).join('\n'),
            )
            .join('\n')
        : 'no clients';
      print(Boolean(options.json), list, text);
    });

  clients
    .command('rotate-secret <client-id>')
    .description('add a second secret; both work until you revoke the old one')
    .option('--expires-in <seconds>', 'the new secret expires after this many seconds', (v) => {
      const n = Number(v);
      if (!Number.isInteger(n) || n <= 0) throw new UsageError('--expires-in must be a positive whole number of seconds');
      return n;
    })
    .option('--json', 'machine-readable output')
    .addHelpText('after', '\nExample:\n  npm run cli -- clients rotate-secret order-service\n  npm run cli -- clients revoke-secret order-service <old-secret-id>')
    .action(async (clientId: string, options) => {
      const issued = await (await app()).get(ClientsService).rotateSecret(clientId, { expiresInSeconds: options.expiresIn });
      print(
        Boolean(options.json),
        { client_id: issued.clientId, client_secret: issued.secret, secret_id: issued.secretId, expires_at: issued.expiresAt },
        `new secret for ${issued.clientId} (id ${issued.secretId}):\n  ${issued.secret}\n  (shown once; the previous secret keeps working until revoked)`,
      );
    });

  clients
    .command('revoke-secret <client-id> <secret-id>')
    .description('revoke one secret at once (see `clients list` for ids)')
    .option('--json', 'machine-readable output')
    .action(async (clientId: string, secretId: string, options) => {
      await (await app()).get(ClientsService).revokeSecret(clientId, secretId);
      print(Boolean(options.json), { client_id: clientId, secret_id: secretId, revoked: true }, `revoked secret ${secretId} of ${clientId}`);
    });

  for (const [name, enabled] of [
    ['disable', false],
    ['enable', true],
  ] as const) {
    clients
      .command(`${name} <client-id>`)
      .description(enabled ? 'allow the client to get tokens again' : 'stop the client from getting tokens (its tokens stop introspecting as active)')
      .option('--json', 'machine-readable output')
      .action(async (clientId: string, options) => {
        await (await app()).get(ClientsService).setEnabled(clientId, enabled);
        print(Boolean(options.json), { client_id: clientId, enabled }, `${name}d client ${clientId}`);
      });
  }

  const keys = program.command('keys').description('token-signing keys');
  keys
    .command('rotate')
    .description('publish a new signing key now; it signs after the activation delay, the old key stays published until its tokens expire')
    .option('--activation-delay <seconds>', 'seconds before the new key signs (default KEY_ACTIVATION_DELAY)', (v) => {
      const n = Number(v);
      if (!Number.isInteger(n) || n < 0) throw new UsageError('--activation-delay must be a whole number of seconds');
      return n;
    })
    .option('--json', 'machine-readable output')
    .addHelpText('after', '\nExamples:\n  npm run cli -- keys rotate\n  npm run -s cli -- keys rotate --activation-delay 0 --json')
    .action(async (options) => {
      const signingKeys = (await app()).get(SigningKeysService);
      progress('generating and publishing a new signing key…');
      const result = await signingKeys.rotate({ activationDelaySeconds: options.activationDelay });
      progress(`done: ${result.kid}`);
      print(
        Boolean(options.json),
        result,
        `new key ${result.kid} signs from ${result.activatesAt.toISOString()}\n` +
          result.retired.map((k) => `  retiring ${k.kid}: published until ${k.publishUntil.toISOString()}`).join('\n'),
      );
    });
  keys
    .command('list')
    .description('keys currently published in the JWKS')
    .option('--json', 'machine-readable output')
    .action(async (options) => {
      const published = (await app()).get(SigningKeysService).publicJwks().keys;
      print(Boolean(options.json), published, published.map((k) => `${k.kid}  ${k.alg}`).join('\n'));
    });

  program.command('migrate').description('apply pending database migrations (the apps also do this at start)').action(async () => {
    const started = Date.now();
    progress('connecting to the database and applying pending migrations…');
    await app();
    progress(`done in ${Date.now() - started} ms`);
    io.out('migrations are up to date\n');
  });

  program.addHelpText('after', () => overview(program));

  try {
    await program.parseAsync(argv, { from: 'user' });
    return 0;
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode;
    if (error instanceof ClientRegistrationError || error instanceof UsageError) {
      io.err(`error: ${withHint(error.message)}\n`);
      return 1;
    }
    io.err(`error: ${withHint((error as Error).message)}\n`);
    return 2;
  } finally {
    await context?.close();
  }
}
