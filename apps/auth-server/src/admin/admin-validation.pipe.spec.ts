import { InvalidRequest } from '@nest-oauth-m2m/auth';
import { ArgumentMetadata } from '@nestjs/common';
import { CreateClientDto, RotateSecretDto, UpdateClientDto } from '../clients/client.dtos';
import { CreateResourceDto } from '../resources/resource.dtos';
import { AdminValidationPipe } from './admin-validation.pipe';

describe('AdminValidationPipe (the admin API bodies, checked against their DTO)', () => {
  const pipe = new AdminValidationPipe();
  const body = (metatype: ArgumentMetadata['metatype']): ArgumentMetadata => ({ type: 'body', metatype });
  const refusal = async (value: unknown, metatype: ArgumentMetadata['metatype'] = CreateClientDto) => {
    try {
      await pipe.transform(value, body(metatype));
    } catch (error) {
      expect(error).toBeInstanceOf(InvalidRequest);
      return (error as InvalidRequest).description;
    }
    throw new Error('accepted');
  };

  it('gives the DTO instance, typed fields kept and absent ones undefined', async () => {
    const dto = (await pipe.transform(
      { client_id: 'x', name: 'X', grants: [{ resource: 'api://a', scopes: ['a'] }], grant_types: ['client_credentials'] },
      body(CreateClientDto),
    )) as CreateClientDto;
    expect(dto).toBeInstanceOf(CreateClientDto);
    expect([dto.client_id, dto.name, dto.grants, dto.owned_audiences]).toEqual(['x', 'X', [{ resource: 'api://a', scopes: ['a'] }], undefined]);
    expect(await pipe.transform({ expires_in: 60 }, body(RotateSecretDto))).toEqual({ expires_in: 60 });
  });

  it('refuses a body that is not an object, unknown fields, wrong types and missing required fields, naming them', async () => {
    expect(await refusal([1])).toBe('the request body must be a JSON object');
    expect(await refusal({ client_id: 'x', scope: 'a' })).toMatch(/^unknown field\(s\): scope \(allowed: client_id, name, grants, /);
    expect(await refusal({ client_id: 'x', owned_audiences: 'a b' })).toBe('owned_audiences must be an array of non-empty strings');
    expect(await refusal({ client_id: 3 })).toBe('client_id must be a non-empty string');
    expect(await refusal({})).toBe('client_id is required');
    expect(await refusal({ client_id: 'x', grants: [{ resource: 'api://a' }] })).toBe('grants.0.scopes is required');
    expect(await refusal({ client_id: 'x', grant_types: ['password'] })).toBe('grant_types must be an array of: client_credentials, authorization_code, refresh_token, urn:ietf:params:oauth:grant-type:token-exchange');
    expect(await refusal({ client_id: 'x', token_endpoint_auth_method: 'magic' })).toMatch(/^token_endpoint_auth_method must be one of client_secret_basic, /);
    expect(await refusal({ expires_in: 1.5 }, RotateSecretDto)).toBe('expires_in must be a positive integer');
    expect(await refusal({ uri: 'api://a' }, CreateResourceDto)).toBe('scopes is required');
  });

  it('takes a missing body as an empty object', async () => {
    expect(await pipe.transform(undefined, body(UpdateClientDto))).toEqual({});
  });

  it('issue 24 #8: a NUL anywhere in a string, a list or a JSON object is 400 invalid_request naming the field', async () => {
    expect(await refusal({ client_id: 'a\0b' })).toBe('client_id must not contain a NUL character');
    expect(await refusal({ client_id: 'x', owned_audiences: ['api://x', 'api://\0'] })).toBe('owned_audiences must not contain a NUL character');
    expect(await refusal({ client_id: 'x', jwks: { keys: [{ kty: 'EC', crv: 'P-256\0' }] } })).toBe('jwks must not contain a NUL character');
    expect(await refusal({ client_id: 'x', jwks: { ['k\0']: 1 } })).toBe('jwks must not contain a NUL character');
    expect(((await pipe.transform({ client_id: 'back\\u0000slash' }, body(CreateClientDto))) as CreateClientDto).client_id).toBe('back\\u0000slash');
  });

  it('leaves path parameters to their own pipes', async () => {
    expect(await pipe.transform('a\0b', { type: 'param', metatype: String, data: 'clientId' })).toBe('a\0b');
  });
});
