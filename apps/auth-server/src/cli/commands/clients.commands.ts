import { Type } from '@nestjs/common';
import { Command } from 'commander';
import { isPlaceholderSecret } from '@app/platform';
import { ClientGrantDto, clientPatch, createClientInput, CreateClientDto, grantInput, RotateSecretDto, UpdateClientDto } from '../../clients/client.dtos';
import { ClientGrantsService, ClientGrantView } from '../../clients/client-grants.service';
import { ClientLifecycleService } from '../../clients/client-lifecycle.service';
import { ClientSecretsService } from '../../clients/client-secrets.service';
import { ClientSummary, ClientViews, registrationFields } from '../../clients/client-views';
import { GrantKind } from '../../clients/client-grant.entity';
import { TOKEN_EXCHANGE_GRANT_TYPE, TokenEndpointAuthMethod } from '../../clients/client.entity';
import { CliContext, UsageError } from '../cli-context';
import { addDtoOptions } from '../dto-options';

const describeGrant = (grant: ClientGrantView) =>
  `${grant.resource}${grant.kind === 'delegation' ? ' (on behalf of users)' : ''}: ${grant.scopes.join(' ')}${grant.default_scopes.join(' ') === grant.scopes.join(' ') ? '' : `  (default: ${grant.default_scopes.join(' ') || 'none'})`}`;

/** A client as `show` and `update` print it (secret ids and dates only). */
function describeClient(c: ClientSummary): string {
  return [
    `${c.client_id}${c.enabled ? '' : ' (disabled)'}  "${c.name}"  ${c.token_endpoint_auth_method}`,
    ...(c.grants.length ? c.grants.map((grant) => `  grant           ${describeGrant(grant)}`) : ['  grants:         none (it gets no token: clients grant)']),
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

/** `clients …`: registration and lifecycle of OAuth clients. Options come from the DTOs (clients/client.dtos.ts). */
export function registerClientCommands(program: Command, ctx: CliContext): void {
  const clients = program.command('clients').description('register and manage OAuth clients');
  const get = async <T>(type: Type<T>) => (await ctx.app()).get(type);

  const create = clients.command('create').description('register a client; a generated secret is printed once (store it now)');
  const createOptions = addDtoOptions(create, CreateClientDto, ctx);
  create
    .option('--secret-stdin', `use the secret read from stdin (${MIN_GIVEN_SECRET_LENGTH}+ characters; one trailing newline is dropped) instead of generating one`)
    .option('--json', 'machine-readable output')
    .addHelpText(
      'after',
      [
        '\nExamples:',
        '  npm run cli -- clients create --id billing --grant api://user-service=users:read --grant api://order-service=orders:read',
        '  printf %s "$BILLING_SECRET" | npm run -s cli -- clients create --id billing --grant api://user-service=users:read --secret-stdin',
        '  npm run -s cli -- clients create --id reports --grant api://order-service=orders:read --auth-method private_key_jwt --jwks-file ./reports.jwks.json --json',
        '  npm run cli -- clients create --id billing-web --auth-method none --grant api://billing-service=invoices:read --redirect-uri http://127.0.0.1/callback',
        `  npm run cli -- clients create --id orders --grant-types client_credentials,${TOKEN_EXCHANGE_GRANT_TYPE} --grant api://user-service=users:read --delegation-grant api://user-service=users:read --owns-audience api://orders`,
        'A grant gives all its scopes as defaults; narrow them with `clients grant <id> --resource <uri> --scopes … --default-scopes …`.',
      ].join('\n'),
    )
    .action(async (options) => {
      const dto = await createOptions.toDto(options);
      const given = options.secretStdin ? await givenSecret(ctx, dto.token_endpoint_auth_method ?? 'client_secret_basic') : undefined;
      const { client, secret } = await (await get(ClientLifecycleService)).create({ ...createClientInput(dto), secret: given }, ctx.actor);
      const grants = await (await get(ClientGrantsService)).list(client.clientId);
      // A secret the operator gave is never echoed: they have it already.
      const shown = secret && !given ? secret : undefined;
      const result = {
        client_id: client.clientId,
        ...(secret ? { ...(shown ? { client_secret: shown.secret } : {}), secret_id: secret.secretId } : {}),
        token_endpoint_auth_method: client.authMethod,
        grants,
        ...registrationFields(client),
      };
      ctx.print(
        Boolean(options.json),
        result,
        [
          `created client ${client.clientId} (${client.authMethod})`,
          ...(grants.length ? grants.map((grant) => `  grant:     ${describeGrant(grant)}`) : ['  grants:    none (it gets no token until granted: clients grant)']),
          ...(client.ownedAudiences.length ? [`  owns:      ${client.ownedAudiences.join(' ')} (may introspect their tokens)`] : []),
          `  grant types: ${client.grantTypes.join(' ')}`,
          ...(client.redirectUris.length ? [`  redirects: ${client.redirectUris.join(' ')}`] : []),
          ...(shown ? [`  secret:    ${shown.secret}`, '  (shown once: only its hash is stored)'] : []),
          ...(secret && given ? ['  secret:    the one read from stdin (only its hash is stored)'] : []),
        ].join('\n'),
      );
    });

  clients
    .command('list')
    .description('list clients, their grants and their secrets (ids and dates only)')
    .option('--json', 'machine-readable output')
    .addHelpText('after', '\nExample:\n  npm run -s cli -- clients list --json')
    .action(async (options) => {
      const list = await (await get(ClientViews)).list();
      const text = list.length
        ? list
            .map(
              (c) =>
                `${c.client_id}${c.enabled ? '' : ' (disabled)'}  ${c.token_endpoint_auth_method}  grants: ${c.grants.map(describeGrant).join('; ') || 'none'}${c.owned_audiences.length ? `  owns: ${c.owned_audiences.join(' ')}` : ''}\n` +
                c.secrets.map((s) => `    secret ${s.id}  created ${s.created_at}${s.expires_at ? `  expires ${s.expires_at}` : ''}${s.active ? '' : '  (inactive)'}`).join('\n'),
            )
            .join('\n')
        : 'no clients';
      ctx.print(Boolean(options.json), list, text);
    });

  clients
    .command('show <client-id>')
    .description('one client: its registration, its grants and secret ids (never a secret)')
    .option('--json', 'machine-readable output')
    .addHelpText('after', '\nExample:\n  npm run -s cli -- clients show billing --json')
    .action(async (clientId: string, options) => {
      const client = await (await get(ClientViews)).show(clientId);
      ctx.print(Boolean(options.json), client, describeClient(client));
    });

  const update = clients.command('update <client-id>').description('change a client: each option given replaces that list (or the name); grants change with clients grant / revoke-grant');
  const updateOptions = addDtoOptions(update, UpdateClientDto, ctx);
  update
    .option('--json', 'machine-readable output')
    .addHelpText('after', '\nExamples:\n  npm run cli -- clients update billing --name "Billing"\n  npm run -s cli -- clients update billing-web --redirect-uri https://billing.example/callback --json')
    .action(async (clientId: string, options) => {
      const patch = clientPatch(await updateOptions.toDto(options));
      if (Object.values(patch).every((value) => value === undefined)) {
        throw new UsageError(`nothing to update: give at least one of ${updateOptions.flags.map(({ flag }) => `--${flag}`).join(' ')}`);
      }
      const client = await (await get(ClientLifecycleService)).update(clientId, patch, ctx.actor);
      ctx.print(Boolean(options.json), client, `updated client ${describeClient(client)}`);
    });

  const grant = clients
    .command('grant <client-id>')
    .description('let a client get scopes at one resource (API), or with --delegation get them there on behalf of users (token exchange); replaces its grant of that kind there. Each scope must be one the resource defines');
  const grantOptions = addDtoOptions(grant, ClientGrantDto, ctx);
  grant
    .option('--json', 'machine-readable output')
    .addHelpText(
      'after',
      '\nExamples:\n  npm run cli -- clients grant billing --resource api://user-service --scopes users:read\n  npm run cli -- clients grant demo-app --resource api://order-service --scopes "orders:read orders:write" --default-scopes orders:read\n  npm run cli -- clients grant order-service --resource api://user-service --scopes users:read --delegation',
    )
    .action(async (clientId: string, options) => {
      const granted = await (await get(ClientGrantsService)).grant(clientId, grantInput(await grantOptions.toDto(options)), ctx.actor);
      ctx.print(Boolean(options.json), { client_id: clientId, ...granted }, `granted ${clientId} ${describeGrant(granted)}`);
    });

  clients
    .command('revoke-grant <client-id>')
    .description('withdraw a client\'s grant at one resource; tokens already issued keep theirs until they expire')
    .requiredOption('--resource <uri>', "the resource's audience URI")
    .option('--delegation', 'the delegation grant there (token exchange on behalf of users), not the direct one')
    .option('--json', 'machine-readable output')
    .addHelpText('after', '\nExamples:\n  npm run cli -- clients revoke-grant billing --resource api://user-service\n  npm run cli -- clients revoke-grant order-service --resource api://user-service --delegation')
    .action(async (clientId: string, options) => {
      const kind: GrantKind = options.delegation ? 'delegation' : 'direct';
      await (await get(ClientGrantsService)).revoke(clientId, options.resource, ctx.actor, kind);
      ctx.print(
        Boolean(options.json),
        { client_id: clientId, resource: options.resource, kind, revoked: true },
        `revoked the ${kind === 'delegation' ? 'delegation ' : ''}grant of ${clientId} at ${options.resource}`,
      );
    });

  clients
    .command('delete <client-id>')
    .description('remove a client, its secrets and grants; its tokens stop introspecting as active (a new client of that id does not revive them)')
    .option('--json', 'machine-readable output')
    .addHelpText('after', '\nExample:\n  npm run cli -- clients delete billing')
    .action(async (clientId: string, options) => {
      await (await get(ClientLifecycleService)).delete(clientId, ctx.actor);
      ctx.print(Boolean(options.json), { client_id: clientId, deleted: true }, `deleted client ${clientId}`);
    });

  const rotate = clients.command('rotate-secret <client-id>').description('add a second secret; both work until you revoke the old one');
  const rotateOptions = addDtoOptions(rotate, RotateSecretDto, ctx);
  rotate
    .option('--json', 'machine-readable output')
    .addHelpText('after', '\nExample:\n  npm run cli -- clients rotate-secret order-service\n  npm run cli -- clients revoke-secret order-service <old-secret-id>')
    .action(async (clientId: string, options) => {
      const { expires_in } = await rotateOptions.toDto(options);
      const issued = await (await get(ClientSecretsService)).rotate(clientId, { expiresInSeconds: expires_in }, ctx.actor);
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
      await (await get(ClientSecretsService)).revoke(clientId, secretId, ctx.actor);
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
        await (await get(ClientLifecycleService)).setEnabled(clientId, enabled, ctx.actor);
        ctx.print(Boolean(options.json), { client_id: clientId, enabled }, `${name}d client ${clientId}`);
      });
  }
}
