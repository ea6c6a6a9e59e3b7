import { readFileSync } from 'node:fs';
import { Command, Option } from 'commander';
import type { JSONWebKeySet } from 'jose';
import { CLIENT_AUTH_METHODS, GrantType, GRANT_TYPES, TokenEndpointAuthMethod } from '../../clients/client.entity';
import { ClientPatch, ClientsService, ClientSummary, registrationFields } from '../../clients/clients.service';
import { isPlaceholderSecret } from '@app/platform';
import { CliContext, repeatable, splitList, UsageError } from '../cli-context';

const AUTH_METHODS: TokenEndpointAuthMethod[] = [...CLIENT_AUTH_METHODS, 'none'];

/** A client as `show` and `update` print it (secret ids and dates only). */
function describeClient(c: ClientSummary): string {
  return [
    `${c.client_id}${c.enabled ? '' : ' (disabled)'}  "${c.name}"  ${c.token_endpoint_auth_method}`,
    `  scopes:         ${c.scopes.join(' ')}`,
    `  default scopes: ${c.default_scopes.join(' ')}`,
    `  audiences:      ${c.audiences.join(' ')}`,
    ...(c.owned_audiences.length ? [`  owns:           ${c.owned_audiences.join(' ')} (may introspect their tokens)`] : []),
    `  grant types:    ${c.grant_types.join(' ')}`,
    ...(c.redirect_uris.length ? [`  redirect URIs:  ${c.redirect_uris.join(' ')}`] : []),
    ...(c.jwks_uri ? [`  JWKS URI:       ${c.jwks_uri} (its public keys are fetched from here)`] : []),
    ...(c.jwks ? [`  JWKS:           ${JSON.stringify(c.jwks)}`] : []),
    ...c.secrets.map((s) => `  secret ${s.id}  created ${s.created_at}${s.expires_at ? `  expires ${s.expires_at}` : ''}${s.active ? '' : '  (inactive)'}`),
  ].join('\n');
}

/** A given secret is held to what a generated one beats easily: long enough to resist guessing. */
const MIN_GIVEN_SECRET_LENGTH = 32;

/**
 * The secret for `clients create --secret-stdin` (a secret kept in a secret manager or a compose
 * file): all of stdin without its one trailing newline, never on the command line.
 */
async function givenSecret(ctx: CliContext, authMethod: TokenEndpointAuthMethod): Promise<string> {
  if (authMethod !== 'client_secret_basic' && authMethod !== 'client_secret_post') {
    throw new UsageError(`--secret-stdin is for client_secret_basic or client_secret_post clients, not ${authMethod}`);
  }
  const secret = (await ctx.readStdin()).replace(/\r?\n$/, '');
  if (secret.length < MIN_GIVEN_SECRET_LENGTH || /[\r\n]/.test(secret)) {
    throw new UsageError(`--secret-stdin: the secret must be one line of at least ${MIN_GIVEN_SECRET_LENGTH} characters`);
  }
  if (process.env.NODE_ENV === 'production' && isPlaceholderSecret(secret)) {
    throw new UsageError('--secret-stdin: refusing a placeholder secret (change-me) in production');
  }
  return secret;
}

/** `clients …`: registration and lifecycle of OAuth clients. */
export function registerClientCommands(program: Command, ctx: CliContext): void {
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
    .addOption(
      new Option('--auth-method <method>', 'token endpoint auth method (none: a public app, no secret)').choices(AUTH_METHODS).default('client_secret_basic'),
    )
    .option('--redirect-uri <uri>', 'an exact redirect URI (authorization_code clients); repeat for more', repeatable)
    .option(
      '--grant-types <grants>',
      `grant types, space- or comma-separated: ${GRANT_TYPES.join(', ')} (default: client_credentials; none: authorization_code refresh_token)`,
      splitList,
    )
    .option('--jwks-file <path>', 'public JWKS file (private_key_jwt)')
    .option('--jwks-uri <uri>', 'JWKS URL of the client (private_key_jwt)')
    .option('--secret-stdin', `use the secret read from stdin (${MIN_GIVEN_SECRET_LENGTH}+ characters; one trailing newline is dropped) instead of generating one`)
    .option('--json', 'machine-readable output')
    .addHelpText(
      'after',
      '\nExamples:\n  npm run cli -- clients create --id billing --scopes "users:read orders:read" --audience api://user-service\n  printf %s "$BILLING_SECRET" | npm run -s cli -- clients create --id billing --scopes users:read --audience api://user-service --secret-stdin\n  npm run -s cli -- clients create --id reports --scopes reports:read --auth-method private_key_jwt --jwks-file ./reports.jwks.json --json\n  npm run cli -- clients create --id billing-web --auth-method none --scopes invoices:read --audience api://billing-service --redirect-uri http://127.0.0.1/callback',
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
      const given = options.secretStdin ? await givenSecret(ctx, options.authMethod as TokenEndpointAuthMethod) : undefined;
      const { client, secret } = await (await ctx.app()).get(ClientsService).create({
        clientId: options.id,
        name: options.name,
        scopes: options.scopes,
        defaultScopes: options.defaultScopes,
        audiences: options.audience,
        ownedAudiences: options.ownsAudience,
        authMethod: options.authMethod as TokenEndpointAuthMethod,
        jwks,
        jwksUri: options.jwksUri,
        redirectUris: options.redirectUri,
        grantTypes: options.grantTypes as GrantType[] | undefined,
        secret: given,
      }, ctx.actor);
      // A secret the operator gave is never echoed: they have it already.
      const shown = secret && !given ? secret : undefined;
      const result = {
        client_id: client.clientId,
        ...(secret ? { ...(shown ? { client_secret: shown.secret } : {}), secret_id: secret.secretId } : {}),
        token_endpoint_auth_method: client.authMethod,
        ...registrationFields(client),
      };
      ctx.print(
        Boolean(options.json),
        result,
        [
          `created client ${client.clientId} (${client.authMethod})`,
          `  scopes:    ${client.allowedScopes.join(' ')}`,
          `  audiences: ${client.allowedAudiences.join(' ')}`,
          ...(client.ownedAudiences.length ? [`  owns:      ${client.ownedAudiences.join(' ')} (may introspect their tokens)`] : []),
          `  grants:    ${client.grantTypes.join(' ')}`,
          ...(client.redirectUris.length ? [`  redirects: ${client.redirectUris.join(' ')}`] : []),
          ...(shown ? [`  secret:    ${shown.secret}`, '  (shown once: only its hash is stored)'] : []),
          ...(secret && given ? ['  secret:    the one read from stdin (only its hash is stored)'] : []),
        ].join('\n'),
      );
    });

  clients
    .command('list')
    .description('list clients and their secrets (ids and dates only)')
    .option('--json', 'machine-readable output')
    .addHelpText('after', '\nExample:\n  npm run -s cli -- clients list --json')
    .action(async (options) => {
      const list = await (await ctx.app()).get(ClientsService).list();
      const text = list.length
        ? list
            .map(
              (c) =>
                `${c.client_id}${c.enabled ? '' : ' (disabled)'}  ${c.token_endpoint_auth_method}  scopes: ${c.scopes.join(' ')}  audiences: ${c.audiences.join(' ')}${c.owned_audiences.length ? `  owns: ${c.owned_audiences.join(' ')}` : ''}\n` +
                c.secrets.map((s) => `    secret ${s.id}  created ${s.created_at}${s.expires_at ? `  expires ${s.expires_at}` : ''}${s.active ? '' : '  (inactive)'}`).join('\n'),
            )
            .join('\n')
        : 'no clients';
      ctx.print(Boolean(options.json), list, text);
    });

  clients
    .command('show <client-id>')
    .description('one client: its registration and secret ids (never a secret)')
    .option('--json', 'machine-readable output')
    .addHelpText('after', '\nExample:\n  npm run -s cli -- clients show billing --json')
    .action(async (clientId: string, options) => {
      const client = await (await ctx.app()).get(ClientsService).show(clientId);
      ctx.print(Boolean(options.json), client, describeClient(client));
    });

  clients
    .command('update <client-id>')
    .description('change a client: each option given replaces that list (or the name); tokens already issued keep theirs')
    .option('--name <name>', 'display name')
    .option('--scopes <scopes>', 'allowed scopes, space- or comma-separated ("" for none)', splitList)
    .option('--default-scopes <scopes>', 'granted when a request names no scope (default: the current ones still allowed)', splitList)
    .option('--audience <uri>', 'allowed audiences (first is the default); repeat for more', splitList)
    .option('--owns-audience <uri>', 'audiences it owns as a resource server; repeat for more ("" for none)', splitList)
    .option('--redirect-uri <uri>', 'exact redirect URIs; repeat for more ("" for none)', repeatable)
    .option('--grant-types <grants>', `grant types, space- or comma-separated: ${GRANT_TYPES.join(', ')}`, splitList)
    .option('--json', 'machine-readable output')
    .addHelpText(
      'after',
      '\nExamples:\n  npm run cli -- clients update billing --scopes "users:read invoices:read"\n  npm run -s cli -- clients update billing-web --audience api://billing-service --audience api://user-service --json',
    )
    .action(async (clientId: string, options) => {
      const patch: ClientPatch = {
        name: options.name,
        scopes: options.scopes,
        defaultScopes: options.defaultScopes,
        audiences: options.audience,
        ownedAudiences: options.ownsAudience,
        redirectUris: options.redirectUri,
        grantTypes: options.grantTypes as GrantType[] | undefined,
      };
      if (Object.values(patch).every((value) => value === undefined)) {
        throw new UsageError('nothing to update: give at least one of --name --scopes --default-scopes --audience --owns-audience --redirect-uri --grant-types');
      }
      const client = await (await ctx.app()).get(ClientsService).update(clientId, patch, ctx.actor);
      ctx.print(Boolean(options.json), client, `updated client ${describeClient(client)}`);
    });

  clients
    .command('delete <client-id>')
    .description('remove a client and its secrets; its tokens stop introspecting as active (a new client of that id does not revive them)')
    .option('--json', 'machine-readable output')
    .addHelpText('after', '\nExample:\n  npm run cli -- clients delete billing')
    .action(async (clientId: string, options) => {
      await (await ctx.app()).get(ClientsService).delete(clientId, ctx.actor);
      ctx.print(Boolean(options.json), { client_id: clientId, deleted: true }, `deleted client ${clientId}`);
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
      const issued = await (await ctx.app()).get(ClientsService).rotateSecret(clientId, { expiresInSeconds: options.expiresIn }, ctx.actor);
      ctx.print(
        Boolean(options.json),
        { client_id: issued.clientId, client_secret: issued.secret, secret_id: issued.secretId, expires_at: issued.expiresAt },
        `new secret for ${issued.clientId} (id ${issued.secretId}):\n  ${issued.secret}\n  (shown once; the previous secret keeps working until revoked)`,
      );
    });

  clients
    .command('revoke-secret <client-id> <secret-id>')
    .description('revoke one secret at once (see `clients list` for ids)')
    .option('--json', 'machine-readable output')
    .addHelpText('after', '\nExample:\n  npm run cli -- clients revoke-secret order-service <old-secret-id>')
    .action(async (clientId: string, secretId: string, options) => {
      await (await ctx.app()).get(ClientsService).revokeSecret(clientId, secretId, ctx.actor);
      ctx.print(Boolean(options.json), { client_id: clientId, secret_id: secretId, revoked: true }, `revoked secret ${secretId} of ${clientId}`);
    });

  for (const [name, enabled] of [
    ['disable', false],
    ['enable', true],
  ] as const) {
    clients
      .command(`${name} <client-id>`)
      .description(enabled ? 'allow the client to get tokens again' : 'stop the client from getting tokens; its tokens stop introspecting as active now, and resource servers polling the revocation feed refuse them within 12 s (REVOCATION_FEED_INTERVAL_MS 10 s + one request), others at expiry')
      .option('--json', 'machine-readable output')
      .addHelpText('after', `\nExample:\n  npm run cli -- clients ${name} billing`)
      .action(async (clientId: string, options) => {
        await (await ctx.app()).get(ClientsService).setEnabled(clientId, enabled, ctx.actor);
        ctx.print(Boolean(options.json), { client_id: clientId, enabled }, `${name}d client ${clientId}`);
      });
  }
}
