import { InvalidRequest } from '@nest-oauth-m2m/auth';
import { isStorableText } from '@app/database';
import { Param, PipeTransform } from '@nestjs/common';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** A path id PostgreSQL can hold (no NUL): anything else is the caller's mistake, 400, never a failed query. */
class StorableIdPipe implements PipeTransform<string, string> {
  constructor(private readonly name: string) {}

  transform(value: string): string {
    if (!isStorableText(value)) throw new InvalidRequest(`${this.name} must not contain a NUL character`);
    return value;
  }
}

/** A secret id is a UUID (the column's type): anything else is 400, not a failed cast. */
class SecretIdPipe implements PipeTransform<string, string> {
  transform(value: string): string {
    if (!UUID.test(value)) throw new InvalidRequest('secretId must be a UUID');
    return value;
  }
}

/** `@AdminPathId('clientId') clientId: string`: a path parameter checked by StorableIdPipe. */
export const AdminPathId = (name: string): ParameterDecorator => Param(name, new StorableIdPipe(name));

/** `@SecretIdParam() secretId: string`. */
export const SecretIdParam = (): ParameterDecorator => Param('secretId', new SecretIdPipe());
