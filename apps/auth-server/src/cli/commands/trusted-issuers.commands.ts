import { Command } from 'commander';
import { createTrustedIssuerInput, CreateTrustedIssuerDto } from '../../trusted-issuers/trusted-issuer.dtos';
import { TrustedIssuersService, TrustedIssuerSummary } from '../../trusted-issuers/trusted-issuers.service';
import { CliContext } from '../cli-context';
import { addDtoOptions } from '../dto-options';

const describe = (issuer: TrustedIssuerSummary) =>
  [
    `${issuer.issuer}  (${issuer.kind})`,
    `  keys:      ${issuer.key_source === 'discovery' ? 'discovered (.well-known/openid-configuration)' : issuer.key_source === 'jwks_uri' ? issuer.jwks_uri : `inline, ${issuer.jwks?.keys.length ?? 0} key(s)`}`,
    `  audience:  ${issuer.audience}`,
    `  lifetime:  at most ${issuer.max_assertion_lifetime_seconds} s`,
    ...(issuer.bound_namespaces.length ? [`  namespaces: ${issuer.bound_namespaces.join(' ')}`] : []),
    ...(issuer.required_bindings.length ? [`  bindings:  ${issuer.required_bindings.join(' ')}`] : []),
    `  clients:   ${issuer.clients.join(' ') || '(none)'}`,
  ].join('\n');

/** `trusted-issuers …`: the workload identity issuers federated_jwt clients authenticate with (issue 30). */
export function registerTrustedIssuerCommands(program: Command, ctx: CliContext): void {
  const issuers = program.command('trusted-issuers').description('workload identity issuers (Kubernetes, SPIFFE, OIDC) whose tokens federated_jwt clients present');
  const service = async () => (await ctx.app()).get(TrustedIssuersService);

  const create = issuers.command('create').description('trust an issuer: its URL, its kind, where its keys are');
  const createOptions = addDtoOptions(create, CreateTrustedIssuerDto, ctx);
  create
    .option('--json', 'machine-readable output')
    .addHelpText(
      'after',
      '\nExamples:\n' +
        '  npm run cli -- trusted-issuers create --issuer https://kubernetes.default.svc.cluster.local --kind kubernetes --max-assertion-lifetime 3600\n' +
        '  npm run cli -- trusted-issuers create --issuer https://spire.example.org --kind spiffe --jwks-uri https://spire.example.org/bundle\n' +
        '  npm run cli -- trusted-issuers create --issuer https://k8s.internal --kind kubernetes --jwks-file ./cluster-jwks.json   (air-gapped)\n' +
        'Then a client: clients create --id order-service --auth-method federated_jwt --federated-issuer <issuer> --federated-subject system:serviceaccount:platform:order-service',
    )
    .action(async (options) => {
      const created = await (await service()).create(createTrustedIssuerInput(await createOptions.toDto(options)), ctx.actor);
      ctx.print(Boolean(options.json), created, `trusted ${describe(created)}`);
    });

  issuers
    .command('list')
    .description('list the trusted issuers and the clients bound to each')
    .option('--json', 'machine-readable output')
    .action(async (options) => {
      const list = await (await service()).list();
      ctx.print(Boolean(options.json), list, list.length ? list.map(describe).join('\n') : 'no trusted issuers');
    });

  issuers
    .command('show <issuer>')
    .description('one trusted issuer')
    .option('--json', 'machine-readable output')
    .action(async (issuer: string, options) => {
      const found = await (await service()).show(issuer);
      ctx.print(Boolean(options.json), found, describe(found));
    });

  issuers
    .command('delete <issuer>')
    .description('stop trusting an issuer (refused while clients are bound to it)')
    .option('--json', 'machine-readable output')
    .addHelpText('after', '\nExample:\n  npm run cli -- trusted-issuers delete https://kubernetes.default.svc.cluster.local')
    .action(async (issuer: string, options) => {
      await (await service()).delete(issuer, ctx.actor);
      ctx.print(Boolean(options.json), { issuer, deleted: true }, `no longer trusting ${issuer}`);
    });
}
