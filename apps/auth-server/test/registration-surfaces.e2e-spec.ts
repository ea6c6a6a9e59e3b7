import { Type } from '@nestjs/common';
import { getMetadataStorage } from 'class-validator';
import { Command } from 'commander';
import { ApiDocument, fetchApiDocument } from '../../../test/support/api-docs';
import { CliContext } from '../src/cli/cli-context';
import { registerClientCommands } from '../src/cli/commands/clients.commands';
import { registerResourceCommands } from '../src/cli/commands/resources.commands';
import { registerUserCommands } from '../src/cli/commands/users.commands';
import { flagsOf } from '../src/cli/dto-options';
import { ClientGrantDto, CreateClientDto, RotateSecretDto, UpdateClientDto } from '../src/clients/client.dtos';
import { dtoFields } from '../src/dto/dto-fields';
import { CreateResourceDto, UpdateResourceDto } from '../src/resources/resource.dtos';
import { CreateUserDto, SetPasswordDto } from '../src/users/user.dtos';
import { startAuthServer, TestAuthServer } from './support/auth-server.harness';

/** Each registration operation: its DTO, the admin API operation that takes it as body, the CLI command built from it. */
const OPERATIONS: { dto: Type; admin: [method: string, path: string]; cli: string[] }[] = [
  { dto: CreateClientDto, admin: ['post', '/admin/clients'], cli: ['clients', 'create'] },
  { dto: UpdateClientDto, admin: ['patch', '/admin/clients/{clientId}'], cli: ['clients', 'update'] },
  { dto: ClientGrantDto, admin: ['post', '/admin/clients/{clientId}/grants'], cli: ['clients', 'grant'] },
  { dto: RotateSecretDto, admin: ['post', '/admin/clients/{clientId}/secrets'], cli: ['clients', 'rotate-secret'] },
  { dto: CreateResourceDto, admin: ['post', '/admin/resources'], cli: ['resources', 'create'] },
  { dto: UpdateResourceDto, admin: ['patch', '/admin/resources/{uri}'], cli: ['resources', 'update'] },
  { dto: CreateUserDto, admin: ['post', '/admin/users'], cli: ['users', 'create'] },
  { dto: SetPasswordDto, admin: ['post', '/admin/users/{username}/password'], cli: ['users', 'passwd'] },
];

/** Options of the CLI that are about the command line itself, not the registration: output format, a given client secret. */
const CLI_ONLY_FLAGS = ['--json', '--secret-stdin'];

type Surface = { fields: string[]; required: string[] };
const sorted = (surface: Surface): Surface => ({ fields: [...surface.fields].sort(), required: [...surface.required].sort() });

/** What class-validator knows of the DTO: every validated property, required unless @IsOptional. */
function declared(dto: Type): Surface {
  const rules = getMetadataStorage().getTargetValidationMetadatas(dto, '', true, false);
  const fields = [...new Set(rules.map((rule) => rule.propertyName))];
  const optional = new Set(rules.filter((rule) => rule.type === 'conditionalValidation').map((rule) => rule.propertyName));
  return sorted({ fields, required: fields.filter((field) => !optional.has(field)) });
}

/** The admin operation's JSON body as the served OpenAPI document describes it. */
function documented(document: ApiDocument, [method, path]: [string, string]): Surface {
  const operation = document.paths[path]?.[method] as { requestBody?: { content: Record<string, { schema: { $ref?: string } }> } } | undefined;
  const ref = operation?.requestBody?.content['application/json']?.schema.$ref;
  if (!ref) throw new Error(`${method} ${path} documents no JSON body schema`);
  const schema = (document as unknown as { components: { schemas: Record<string, { properties?: object; required?: string[] }> } }).components.schemas[ref.split('/').pop()!]!;
  return sorted({ fields: Object.keys(schema.properties ?? {}), required: schema.required ?? [] });
}

/** The CLI command's options (its registration ones), named back by the fields their flags stand for. */
function commandLine(program: Command, path: string[], dto: Type): Surface {
  const command = commandAt(program, path);
  const byFlag = new Map<string, string>(dtoFields(dto).flatMap((field) => flagsOf(field).map((flag) => [`--${flag}`, field.name] as const)));
  const options = command.options.filter((option) => !CLI_ONLY_FLAGS.includes(option.long!));
  // A flag no field stands for would be a field list the DTO does not know: name it as such.
  // A field may have more than one flag (`--grant` and `--delegation-grant` both fill `grants`): named once.
  const fields = [...new Set(options.map((option) => byFlag.get(option.long!) ?? `(no field) ${option.long}`))];
  return sorted({ fields, required: options.filter((option) => option.mandatory).map((option) => byFlag.get(option.long!) ?? option.long!) });
}

function commandAt(program: Command, path: string[]): Command {
  return path.reduce((parent, name) => parent.commands.find((candidate) => candidate.name() === name)!, program);
}

describe('one field list per registration operation: the DTO, the admin API (OpenAPI) and the CLI agree', () => {
  let server: TestAuthServer;
  let document: ApiDocument;
  const program = new Command();
  // Only the command tree is read: nothing runs.
  const unused = () => {
    throw new Error('not run');
  };
  const ctx: CliContext = { app: unused, print: unused, progress: unused, out: unused, actor: { kind: 'cli', id: 'test' }, readStdin: unused };
  registerClientCommands(program, ctx);
  registerResourceCommands(program, ctx);
  registerUserCommands(program, ctx);

  beforeAll(async () => {
    server = await startAuthServer();
    document = await fetchApiDocument(server.url);
  });
  afterAll(() => server.close());

  it.each(OPERATIONS.map((operation) => [operation.dto.name, operation] as const))('%s', (_name, { dto, admin, cli }) => {
    const fields = declared(dto);
    expect(fields.fields.length).toBeGreaterThan(0);
    expect({ openapi: documented(document, admin), cli: commandLine(program, cli, dto) }).toEqual({ openapi: fields, cli: fields });
  });

  it('the grants inside a client creation are the grant operation’s fields, documented once', () => {
    const schemas = (document as unknown as { components: { schemas: Record<string, { properties: Record<string, { items?: { $ref?: string } }> }> } }).components.schemas;
    expect(schemas.CreateClientDto!.properties.grants!.items!.$ref).toBe('#/components/schemas/ClientGrantDto');
    expect(Object.keys(schemas.ClientGrantDto!.properties).sort()).toEqual(declared(ClientGrantDto).fields);
  });

  it('every schema the document refers to is in it (bodies and answers generated from classes, none unnamed)', () => {
    const schemas = (document as unknown as { components: { schemas: Record<string, unknown> } }).components.schemas;
    const refs = [...JSON.stringify(document).matchAll(/"\$ref":"#\/components\/schemas\/([^"]*)"/g)].map(([, name]) => name!);
    expect(refs.length).toBeGreaterThan(OPERATIONS.length);
    expect(refs.filter((name) => !(name in schemas))).toEqual([]);
  });

  it('a grant\'s kind (delegation: token exchange on behalf of users) is one field: `kind` in the admin API, `--delegation` on the CLI, `--delegation-grant` at creation', () => {
    const schemas = (document as unknown as { components: { schemas: Record<string, { properties: Record<string, { enum?: string[] }> }> } }).components.schemas;
    expect(schemas.ClientGrantDto!.properties.kind!.enum).toEqual(['direct', 'delegation']);
    expect(schemas.ClientGrantSummary!.properties.kind!.enum).toEqual(['direct', 'delegation']);
    expect(commandAt(program, ['clients', 'grant']).options.map((option) => option.long)).toContain('--delegation');
    expect(commandAt(program, ['clients', 'create']).options.map((option) => option.long)).toEqual(expect.arrayContaining(['--grant', '--delegation-grant']));
    // Revoking names the kind the same way: ?kind= on the admin API, --delegation on the CLI.
    const revoke = (document.paths['/admin/clients/{clientId}/grants/{resource}']!.delete as { parameters: { name: string; in: string; schema?: { enum?: string[] } }[] }).parameters;
    expect(revoke.find((parameter) => parameter.name === 'kind')).toMatchObject({ in: 'query', schema: { enum: ['direct', 'delegation'] } });
    expect(commandAt(program, ['clients', 'revoke-grant']).options.map((option) => option.long)).toContain('--delegation');
  });

  it('no client registration surface speaks the flat lists any more', () => {
    for (const { dto, admin } of OPERATIONS.filter((operation) => operation.cli[0] === 'clients')) {
      expect([dto.name, documented(document, admin).fields]).not.toEqual([dto.name, expect.arrayContaining(['audiences'])]);
      expect(declared(dto).fields).not.toContain('audiences');
    }
    expect(declared(CreateClientDto).fields).not.toContain('scopes');
  });
});
