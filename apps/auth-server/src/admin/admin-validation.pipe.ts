import { InvalidRequest } from '@nest-oauth-m2m/auth';
import { isStorableText } from '@app/database';
import { ArgumentMetadata, Injectable, ValidationPipe } from '@nestjs/common';
import { DTO_VALIDATOR_OPTIONS, unknownFieldsMessage, validationMessages } from '../dto/dto-validation';

/**
 * The admin API's bodies, validated against their operation's DTO (clients/client.dtos.ts, …) by
 * Nest's ValidationPipe: a body that is not a JSON object, an unknown field (a typo would otherwise be
 * ignored silently), a wrong type or a missing required field is 400 invalid_request naming the field,
 * in the admin API's RFC 6749 §5.2 shape (RegistrationErrorFilter). A NUL character, which PostgreSQL
 * cannot store, is refused anywhere in a value. What the values mean (scope syntax, URIs) is the
 * services' to check.
 */
@Injectable()
export class AdminValidationPipe extends ValidationPipe {
  constructor() {
    super({ ...DTO_VALIDATOR_OPTIONS, transform: true, exceptionFactory: (errors) => new InvalidRequest(validationMessages(errors).join('; ')) });
  }

  override async transform(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    // Path parameters have their own pipes (admin-params.ts).
    if (metadata.type !== 'body') return value;
    // No body at all (a POST that needs no fields) reads as an empty object.
    const body = value ?? {};
    if (typeof body !== 'object' || Array.isArray(body)) throw new InvalidRequest('the request body must be a JSON object');
    const unknown = metadata.metatype ? unknownFieldsMessage(metadata.metatype, body as Record<string, unknown>) : undefined;
    if (unknown) throw new InvalidRequest(unknown);
    for (const [name, field] of Object.entries(body)) {
      if (!isStorableText(name) || holdsNul(field)) throw new InvalidRequest(`${name} must not contain a NUL character`);
    }
    return super.transform(body, metadata);
  }
}

/** A NUL somewhere in a value: a string, a list item, an object's key or nested value. */
function holdsNul(value: unknown): boolean {
  if (typeof value === 'string') return !isStorableText(value);
  if (Array.isArray(value)) return value.some(holdsNul);
  if (typeof value === 'object' && value !== null) return Object.entries(value).some(([key, item]) => !isStorableText(key) || holdsNul(item));
  return false;
}
