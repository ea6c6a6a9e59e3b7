import { InvalidRequest } from '@nest-oauth-m2m/auth';
import { AdminBody } from './admin-body';

describe('AdminBody', () => {
  const refusal = (read: () => unknown) => {
    try {
      read();
    } catch (error) {
      expect(error).toBeInstanceOf(InvalidRequest);
      return (error as InvalidRequest).description;
    }
    throw new Error('accepted');
  };

  it('reads typed fields and leaves absent ones undefined', () => {
    const body = AdminBody.of({ name: 'x', scopes: ['a', 'b'], expires_in: 60 }, ['name', 'scopes', 'expires_in', 'other']);
    expect([body.requiredString('name'), body.stringList('scopes'), body.positiveInteger('expires_in'), body.string('other')]).toEqual([
      'x',
      ['a', 'b'],
      60,
      undefined,
    ]);
  });

  it('refuses a body that is not an object, unknown fields, wrong types and missing required fields, naming them', () => {
    expect(refusal(() => AdminBody.of([1], ['a']))).toBe('the request body must be a JSON object');
    expect(refusal(() => AdminBody.of({ scope: 'a' }, ['scopes']))).toMatch(/unknown field\(s\): scope/);
    expect(refusal(() => AdminBody.of({ scopes: 'a b' }, ['scopes']).stringList('scopes'))).toBe('scopes must be an array of non-empty strings');
    expect(refusal(() => AdminBody.of({ name: 3 }, ['name']).string('name'))).toBe('name must be a non-empty string');
    expect(refusal(() => AdminBody.of({}, ['name']).requiredString('name'))).toBe('name is required');
    expect(refusal(() => AdminBody.of({ n: 1.5 }, ['n']).positiveInteger('n'))).toBe('n must be a positive integer');
  });

  it('takes a missing body as an empty object', () => {
    expect(AdminBody.of(undefined, ['name']).has('name')).toBe(false);
  });

  it('issue 24 #8: a NUL anywhere in a string, a list or a JSON object is 400 invalid_request naming the field', () => {
    const body = AdminBody.of(
      { name: 'a\0b', audiences: ['api://x', 'api://\0'], jwks: { keys: [{ kty: 'EC', crv: 'P-256\0' }] }, other: { ['k\0']: 1 } },
      ['name', 'audiences', 'jwks', 'other'],
    );
    expect(refusal(() => body.string('name'))).toBe('name must not contain a NUL character');
    expect(refusal(() => body.stringList('audiences'))).toBe('audiences must not contain a NUL character');
    expect(refusal(() => body.object('jwks'))).toBe('jwks must not contain a NUL character');
    expect(refusal(() => body.object('other'))).toBe('other must not contain a NUL character');
    expect(AdminBody.of({ name: 'back\\u0000slash' }, ['name']).string('name')).toBe('back\\u0000slash');
  });
});
