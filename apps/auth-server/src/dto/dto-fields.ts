import { applyDecorators, Type as ClassType } from '@nestjs/common';
import { ApiProperty } from '@app/platform';
import { Type } from 'class-transformer';
import { IsOptional, ValidateBy, ValidateNested, ValidationArguments } from 'class-validator';

/**
 * The registration DTOs' field decorators: each puts a field's class-validator rule, its OpenAPI
 * metadata (@ApiProperty) and, where the CLI spells it differently, its command-line flag in one place.
 * The admin API validates bodies with them (ValidationPipe), the OpenAPI document is generated from
 * them, and the CLI builds its options from them (cli/dto-options.ts). Messages name the field as the
 * JSON body spells it, never a CLI flag.
 */

/** How the CLI spells a field, when its default (`--<field-with-dashes> <value>`) does not fit. */
export interface CliFlag {
  /** The long flag without dashes, e.g. `id` for `client_id`. */
  flag?: string;
  /** The value's name in --help, e.g. `client-id`. */
  value?: string;
  /** Lists: `split` takes space- or comma-separated values (repeatable), `repeat` one value per flag. */
  list?: 'split' | 'repeat';
  /** Parses one flag's value into one item (a list field) or the value (others); a thrown Error is a usage error. */
  parse?: (value: string) => unknown;
  /** An object field is read from a JSON file named by the flag. */
  file?: boolean;
  /** A secret: never on the command line, `--<flag>-stdin` reads it from standard input instead. */
  stdin?: boolean;
  /** Help text, when it differs from the OpenAPI description (e.g. to give the flag syntax). */
  help?: string;
  /** A flag without a value (`--<flag>`) that sets the field to this value: `--delegation` for `kind: delegation`. */
  switch?: string;
  /**
   * More flags that fill the same list field, each with its own parser, after the field's own flag's
   * values: `--delegation-grant` beside `--grant` (repeated, one value per flag).
   */
  variants?: { flag: string; value?: string; parse: (value: string) => unknown; help: string }[];
}

export interface FieldOptions {
  description: string;
  /** Default: optional. */
  required?: boolean;
  example?: unknown;
  cli?: CliFlag;
}

type FieldKind = 'string' | 'string-list' | 'positive-integer' | 'object' | 'nested-list';

/** One declared field, as the CLI builder and the surfaces test read it back. */
export interface DtoField {
  name: string;
  kind: FieldKind;
  required: boolean;
  description: string;
  enum?: readonly string[];
  cli: CliFlag;
}

/** Each DTO's fields in declaration order, and each field's declaration: what dtoFields() reads back. */
const FIELD_LIST = 'registration:fields';
const FIELD = 'registration:field';

function field(kind: FieldKind, options: FieldOptions, api: Record<string, unknown>, rule: PropertyDecorator, extra: PropertyDecorator[] = []) {
  const required = options.required ?? false;
  const enumeration = api.enum as readonly string[] | undefined;
  return applyDecorators(
    ApiProperty({ description: options.description, required, ...(options.example === undefined ? {} : { example: options.example }), ...api }),
    ...(required ? [] : [IsOptional()]),
    rule,
    ...extra,
    (target: object, property: string | symbol) => {
      const name = String(property);
      const declared: DtoField = { name, kind, required, description: options.description, enum: enumeration, cli: options.cli ?? {} };
      Reflect.defineMetadata(FIELD, declared, target, property);
      // Read through the prototype chain, written on this class: a subclass lists its parent's fields first.
      const fields: string[] = Reflect.getMetadata(FIELD_LIST, target) ?? [];
      if (!fields.includes(name)) Reflect.defineMetadata(FIELD_LIST, [...fields, name], target);
    },
  );
}

/** One rule with one message: a missing required field says so, any other value says what it must be. */
function rule(name: string, test: (value: unknown) => boolean, mustBe: string): PropertyDecorator {
  return ValidateBy({
    name,
    validator: {
      validate: (value: unknown) => test(value),
      defaultMessage: (args?: ValidationArguments) =>
        args?.value === undefined || args?.value === null ? `${args?.property} is required` : `${args?.property} ${mustBe}`,
    },
  });
}

const isNonEmptyString = (value: unknown): value is string => typeof value === 'string' && value !== '';

export const TextField = (options: FieldOptions & { enum?: readonly string[] }) =>
  field(
    'string',
    options,
    { type: String, ...(options.enum ? { enum: [...options.enum] } : {}) },
    options.enum
      ? rule('oneOf', (value) => options.enum!.includes(value as string), `must be one of ${options.enum.join(', ')}`)
      : rule('nonEmptyString', isNonEmptyString, 'must be a non-empty string'),
  );

export const TextListField = (options: FieldOptions & { items?: readonly string[] }) =>
  field(
    'string-list',
    options,
    { type: String, isArray: true, ...(options.items ? { enum: [...options.items] } : {}) },
    rule(
      'stringList',
      (value) => Array.isArray(value) && value.every(options.items ? (item) => options.items!.includes(item as string) : isNonEmptyString),
      options.items ? `must be an array of: ${options.items.join(', ')}` : 'must be an array of non-empty strings',
    ),
  );

export const PositiveIntegerField = (options: FieldOptions) =>
  field('positive-integer', options, { type: 'integer', minimum: 1 }, rule('positiveInteger', (value) => typeof value === 'number' && Number.isSafeInteger(value) && value >= 1, 'must be a positive integer'));

export const ObjectField = (options: FieldOptions) =>
  field('object', options, { type: 'object' }, rule('jsonObject', (value) => typeof value === 'object' && value !== null && !Array.isArray(value), 'must be a JSON object'));

/** A list of objects, each validated as `item` (its messages name the path, e.g. `grants.0.scopes`). */
export const NestedListField = (item: () => ClassType, options: FieldOptions) =>
  field('nested-list', options, { type: item(), isArray: true }, rule('objectList', (value) => Array.isArray(value) && value.every((entry) => typeof entry === 'object' && entry !== null && !Array.isArray(entry)), 'must be an array of objects'), [
    ValidateNested({ each: true }),
    Type(item),
  ]);

/** The fields a DTO declares, in declaration order. */
export function dtoFields(dto: ClassType): DtoField[] {
  const names: string[] = Reflect.getMetadata(FIELD_LIST, dto.prototype) ?? [];
  return names.map((name) => Reflect.getMetadata(FIELD, dto.prototype, name) as DtoField);
}
