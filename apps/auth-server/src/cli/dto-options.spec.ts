import { Command } from 'commander';
import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateClientDto, RotateSecretDto } from '../clients/client.dtos';
import { CreateUserDto } from '../users/user.dtos';
import { UsageError } from './cli-context';
import { addDtoOptions } from './dto-options';

/** Parses `argv` with a command built from `dto`, then maps the options back to a validated DTO. */
async function parsed<T extends object>(dto: new () => T, argv: string[], stdin = '') {
  const command = new Command('test').exitOverride();
  const options = addDtoOptions(command, dto, { readStdin: async () => stdin });
  command.parse(argv, { from: 'user' });
  return { command, dto: await options.toDto(command.opts()) };
}

const refusal = async (run: () => Promise<unknown>) => {
  try {
    await run();
  } catch (error) {
    expect(error).toBeInstanceOf(UsageError);
    return (error as Error).message;
  }
  throw new Error('accepted');
};

describe('addDtoOptions: CLI options from a DTO, and back', () => {
  it('builds one option per field, flags as the DTO spells them, required ones mandatory', () => {
    const command = new Command('create');
    addDtoOptions(command, CreateClientDto, { readStdin: async () => '' });
    expect(command.options.map((option) => [option.long, option.mandatory])).toEqual([
      ['--id', true],
      ['--name', false],
      ['--grant', false],
      ['--owns-audience', false],
      ['--grant-types', false],
      ['--redirect-uri', false],
      ['--auth-method', false],
      ['--jwks-file', false],
      ['--jwks-uri', false],
      ['--federated-issuer', false],
      ['--federated-subject', false],
    ]);
  });

  it('maps lists (split and repeated), parsed values and files back to the fields', async () => {
    const jwksFile = join(tmpdir(), `dto-options-${process.pid}.jwks.json`);
    writeFileSync(jwksFile, JSON.stringify({ keys: [{ kty: 'EC' }] }));
    const { dto } = await parsed(CreateClientDto, [
      '--id', 'billing',
      '--grant', 'api://user-service=users:read,users:provision',
      '--grant', 'api://order-service=orders:read',
      '--grant-types', 'client_credentials, refresh_token',
      '--redirect-uri', 'https://a.example/cb,with-comma',
      '--auth-method', 'private_key_jwt',
      '--jwks-file', jwksFile,
    ]);
    expect({ ...dto, grants: dto.grants?.map((grant) => ({ ...grant })) }).toEqual({
      client_id: 'billing',
      grants: [
        { resource: 'api://user-service', scopes: ['users:read', 'users:provision'] },
        { resource: 'api://order-service', scopes: ['orders:read'] },
      ],
      grant_types: ['client_credentials', 'refresh_token'],
      redirect_uris: ['https://a.example/cb,with-comma'],
      token_endpoint_auth_method: 'private_key_jwt',
      jwks: { keys: [{ kty: 'EC' }] },
    });
    expect((await parsed(RotateSecretDto, ['--expires-in', '60'])).dto).toEqual({ expires_in: 60 });
  });

  it('reads a secret field from stdin, never from the command line', async () => {
    const { command, dto } = await parsed(CreateUserDto, ['--username', 'carol', '--password-stdin'], 'a-password\n');
    expect(command.options.map((option) => option.long)).toEqual(['--username', '--name', '--password-stdin']);
    expect(dto).toEqual({ username: 'carol', password: 'a-password' });
  });

  it('refuses what the DTO refuses, naming the field; a malformed flag value names the flag', async () => {
    expect(await refusal(() => parsed(RotateSecretDto, ['--expires-in', 'soon']))).toBe('expires_in must be a positive integer');
    expect(await refusal(() => parsed(CreateClientDto, ['--id', 'x', '--grant-types', 'password']))).toBe(
      'grant_types must be an array of: client_credentials, authorization_code, refresh_token',
    );
    expect(await refusal(() => parsed(CreateClientDto, ['--id', 'x', '--grant', 'users:read']))).toMatch(/^--grant: a grant is <resource>=<scopes>/);
    expect(await refusal(() => parsed(CreateClientDto, ['--id', 'x', '--jwks-file', '/nonexistent/jwks.json']))).toMatch(/^cannot read --jwks-file /);
  });
});
