import { Type as ClassType } from '@nestjs/common';
import { plainToInstance } from 'class-transformer';
import { validate, ValidationError, ValidatorOptions } from 'class-validator';
import { dtoFields } from './dto-fields';

/** One message per field (the first rule it fails), unknown fields refused: the admin API's and the CLI's. */
export const DTO_VALIDATOR_OPTIONS: ValidatorOptions = { whitelist: true, forbidNonWhitelisted: true, stopAtFirstError: true };

/** A body or a set of options the DTO refuses; `message` names every field at fault. */
export class DtoValidationError extends Error {}

/** The messages of class-validator's errors, nested ones named by their path (`grants.0.scopes …`). */
export function validationMessages(errors: ValidationError[], path = ''): string[] {
  return errors.flatMap((error) => {
    const name = `${path}${error.property}`;
    const own = Object.values(error.constraints ?? {}).map((message) => message.replace(error.property, name));
    return [...own, ...validationMessages(error.children ?? [], `${name}.`)];
  });
}

/** Fields the DTO does not declare, refused with the list of those it does (a typo is never ignored silently). */
export function unknownFieldsMessage(dto: ClassType, plain: Record<string, unknown>): string | undefined {
  const allowed = dtoFields(dto).map((field) => field.name);
  const unknown = Object.keys(plain).filter((name) => !allowed.includes(name));
  return unknown.length ? `unknown field(s): ${unknown.join(', ')} (allowed: ${allowed.join(', ')})` : undefined;
}

/** `plain` as a validated instance of `dto`, or a DtoValidationError naming the fields at fault. */
export async function toValidDto<T extends object>(dto: ClassType<T>, plain: Record<string, unknown>): Promise<T> {
  const unknown = unknownFieldsMessage(dto, plain);
  if (unknown) throw new DtoValidationError(unknown);
  const instance = plainToInstance(dto, plain);
  const messages = validationMessages(await validate(instance, DTO_VALIDATOR_OPTIONS));
  if (messages.length) throw new DtoValidationError(messages.join('; '));
  return instance;
}
