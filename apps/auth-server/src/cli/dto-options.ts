import { Type as ClassType } from '@nestjs/common';
import { Command, Option } from 'commander';
import { readFileSync } from 'node:fs';
import { DtoField, dtoFields } from '../dto/dto-fields';
import { DtoValidationError, toValidDto } from '../dto/dto-validation';
import { CliContext, repeatable, splitList, UsageError } from './cli-context';

/** A command's options built from a DTO, and the way back: its parsed options as a validated DTO. */
export interface DtoOptions<T> {
  /** Each DTO field with the long flag that carries it (`--id`, `--grant`, `--password-stdin`, …). */
  readonly flags: { field: DtoField; flag: string }[];
  /** The options commander parsed, as the DTO, validated as the admin API validates its body; refusals name fields. */
  toDto(options: Record<string, unknown>): Promise<T>;
}

/** The long flag of a field: `--<field with dashes>` unless the DTO names another; `…-stdin` for a secret. */
export function flagOf(field: DtoField): string {
  const flag = field.cli.flag ?? field.name.replace(/_/g, '-');
  return field.cli.stdin ? `${flag}-stdin` : flag;
}

/** Every long flag that carries a field: its own, and its variants' (CliFlag.variants). */
export function flagsOf(field: DtoField): string[] {
  return [flagOf(field), ...(field.cli.variants ?? []).map((variant) => variant.flag)];
}

/** One flag's value through the DTO's parser; what it throws is the operator's mistake, named by flag. */
function parsedBy(flag: string, parse: (value: string) => unknown) {
  return (value: string) => {
    try {
      return parse(value);
    } catch (error) {
      throw new UsageError(`--${flag}: ${(error as Error).message}`);
    }
  };
}

function optionFor(field: DtoField): Option {
  const flag = flagOf(field);
  const help = field.cli.help ?? field.description;
  if (field.cli.stdin || field.cli.switch !== undefined) return new Option(`--${flag}`, help);
  const listHelp = field.cli.list === 'split' ? ', space- or comma-separated' : field.cli.list === 'repeat' ? '; repeat for more' : '';
  const option = new Option(`--${flag} <${field.cli.value ?? flag}>`, `${help}${listHelp}`);
  if (field.required) option.makeOptionMandatory();
  const parse = field.cli.parse && parsedBy(flag, field.cli.parse);
  if (field.kind === 'string-list' || field.kind === 'nested-list') {
    if (field.cli.list === 'repeat') option.argParser<unknown[]>(parse ? (value, previous = []) => [...previous, parse(value)] : (value, previous = []) => repeatable(value, previous as string[]));
    else option.argParser(splitList);
  } else if (parse) {
    option.argParser(parse);
  } else if (field.enum) {
    option.choices([...field.enum]);
  }
  return option;
}

/** A variant flag of a list field: one value per flag, each through the variant's parser. */
function variantOption(variant: NonNullable<DtoField['cli']['variants']>[number]): Option {
  const parse = parsedBy(variant.flag, variant.parse);
  return new Option(`--${variant.flag} <${variant.value ?? variant.flag}>`, `${variant.help}; repeat for more`).argParser<unknown[]>((value, previous = []) => [...previous, parse(value)]);
}

/**
 * Adds `dto`'s fields to `command` as options (the DTO's metadata says how: required, list, file, stdin)
 * and returns the way back. The admin API's body, the OpenAPI schema and these options are one field
 * list (dto-surfaces.spec.ts compares them).
 */
export function addDtoOptions<T extends object>(command: Command, dto: ClassType<T>, ctx: Pick<CliContext, 'readStdin'>): DtoOptions<T> {
  const flags = dtoFields(dto).map((field) => {
    const option = optionFor(field);
    command.addOption(option);
    const variants = (field.cli.variants ?? []).map(variantOption);
    for (const variant of variants) command.addOption(variant);
    return { field, flag: flagOf(field), attribute: option.attributeName(), variantAttributes: variants.map((variant) => variant.attributeName()) };
  });
  return {
    flags: flags.map(({ field, flag }) => ({ field, flag })),
    toDto: async (options) => {
      const plain: Record<string, unknown> = {};
      for (const { field, flag, attribute, variantAttributes } of flags) {
        const fromVariants = variantAttributes.flatMap((name) => (options[name] as unknown[] | undefined) ?? []);
        const value = fromVariants.length ? [...((options[attribute] as unknown[] | undefined) ?? []), ...fromVariants] : options[attribute];
        if (value === undefined || value === false) continue;
        if (field.cli.switch !== undefined) plain[field.name] = field.cli.switch;
        else if (field.cli.stdin) plain[field.name] = (await ctx.readStdin()).replace(/\r?\n$/, '');
        else if (field.cli.file) plain[field.name] = readJsonFile(flag, value as string);
        else plain[field.name] = value;
      }
      try {
        return await toValidDto(dto, plain);
      } catch (error) {
        if (error instanceof DtoValidationError) throw new UsageError(error.message);
        throw error;
      }
    },
  };
}

function readJsonFile(flag: string, path: string): unknown {
  try {
    return JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new UsageError(`cannot read --${flag} ${path}: ${(error as Error).message}`);
  }
}
