import { Command } from 'commander';
import { CreateResourceDto, UpdateResourceDto } from '../../resources/resource.dtos';
import { ResourcesService, ResourceSummary } from '../../resources/resources.service';
import { CliContext } from '../cli-context';
import { addDtoOptions } from '../dto-options';

const describe = (resource: ResourceSummary) =>
  [`${resource.uri}  (${resource.name})`, `  scopes:  ${resource.scopes.join(' ') || '(none)'}`, `  updated: ${resource.updated_at}`].join('\n');

/** `resources …`: the APIs (audiences) tokens are issued for, and the scopes each defines. */
export function registerResourceCommands(program: Command, ctx: CliContext): void {
  const resources = program.command('resources').description('register the APIs (audiences) and the scopes each defines');
  const service = async () => (await ctx.app()).get(ResourcesService);

  const create = resources.command('create').description('register an API: its audience URI and its scopes');
  const createOptions = addDtoOptions(create, CreateResourceDto, ctx);
  create
    .option('--json', 'machine-readable output')
    .addHelpText(
      'after',
      '\nExample:\n  npm run cli -- resources create --uri api://billing-service --scopes "invoices:read invoices:write" --name "Billing"\n' +
        'Then grant a client some of those scopes there (clients grant <client> --resource api://billing-service --scopes invoices:read).',
    )
    .action(async (options) => {
      const created = await (await service()).create(await createOptions.toDto(options), ctx.actor);
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

  const update = resources.command('update <uri>').description("change an API's name or replace its scopes");
  const updateOptions = addDtoOptions(update, UpdateResourceDto, ctx);
  update
    .option('--json', 'machine-readable output')
    .addHelpText('after', '\nExample:\n  npm run cli -- resources update api://billing-service --scopes "invoices:read invoices:write invoices:pay"')
    .action(async (uri: string, options) => {
      const updated = await (await service()).update(uri, await updateOptions.toDto(options), ctx.actor);
      ctx.print(Boolean(options.json), updated, `updated resource ${describe(updated)}`);
    });
}
