import { Command } from 'commander';
import { ResourcesService, ResourceSummary } from '../../resources/resources.service';
import { CliContext, splitList } from '../cli-context';

const describe = (resource: ResourceSummary) =>
  [`${resource.uri}  (${resource.name})`, `  scopes:  ${resource.scopes.join(' ') || '(none)'}`, `  updated: ${resource.updated_at}`].join('\n');

/** `resources …`: the APIs (audiences) tokens are issued for, and the scopes each defines. */
export function registerResourceCommands(program: Command, ctx: CliContext): void {
  const resources = program.command('resources').description('register the APIs (audiences) and the scopes each defines');
  const service = async () => (await ctx.app()).get(ResourcesService);

  resources
    .command('create')
    .description('register an API: its audience URI and its scopes')
    .requiredOption('--uri <uri>', 'the audience / RFC 8707 resource indicator: an absolute URI without fragment')
    .requiredOption('--scopes <scopes>', 'the scopes it defines, space- or comma-separated', splitList)
    .option('--name <name>', 'display name (default: the URI)')
    .option('--json', 'machine-readable output')
    .addHelpText(
      'after',
      '\nExample:\n  npm run cli -- resources create --uri api://billing-service --scopes "invoices:read invoices:write" --name "Billing"\n' +
        'Then allow a client some of those scopes with that audience (clients create/update --audience … --scopes …).',
    )
    .action(async (options) => {
      const created = await (await service()).create({ uri: options.uri, name: options.name, scopes: options.scopes }, ctx.actor);
      ctx.print(Boolean(options.json), created, `created resource ${describe(created)}`);
    });

  resources
    .command('list')
    .description('list the registered APIs and their scopes')
    .option('--json', 'machine-readable output')
    .action(async (options) => {
      const list = await (await service()).list();
      const text = list.length ? list.map((r) => `${r.uri}  (${r.name})  scopes: ${r.scopes.join(' ') || '(none)'}`).join('\n') : 'no resources';
      ctx.print(Boolean(options.json), list, text);
    });

  resources
    .command('show <uri>')
    .description('one registered API and its scopes')
    .option('--json', 'machine-readable output')
    .action(async (uri: string, options) => {
      const resource = await (await service()).show(uri);
      ctx.print(Boolean(options.json), resource, describe(resource));
    });

  resources
    .command('update <uri>')
    .description("change an API's name or replace its scopes")
    .option('--scopes <scopes>', 'the new scopes (replace the current ones), space- or comma-separated', splitList)
    .option('--name <name>', 'display name')
    .option('--json', 'machine-readable output')
    .addHelpText('after', '\nExample:\n  npm run cli -- resources update api://billing-service --scopes "invoices:read invoices:write invoices:pay"')
    .action(async (uri: string, options) => {
      const updated = await (await service()).update(uri, { name: options.name, scopes: options.scopes }, ctx.actor);
      ctx.print(Boolean(options.json), updated, `updated resource ${describe(updated)}`);
    });
}
