import { INestApplicationContext } from '@nestjs/common';
import type { AuditActor } from '../audit/audit-log';

/** What every command group gets: the application (started on first use) and the output helpers. */
export interface CliContext {
  /** The auth-server's providers without HTTP; the database is connected on first call. */
  app(): Promise<INestApplicationContext>;
  /** The result: JSON on stdout with --json, else the text. */
  print(json: boolean, value: unknown, text: string): void;
  /** Progress for a human, on stderr (stdout stays pure for --json). */
  progress(text: string): void;
  out(text: string): void;
  /** Who the audit log says made the change. */
  actor: AuditActor;
  /** All of standard input (`--password-stdin`). */
  readStdin(): Promise<string>;
}

/** A mistake the operator can fix: printed without a stack, exit code 1. */
export class UsageError extends Error {}

/** Commander option parser: repeatable, space- or comma-separated values. */
export function splitList(value: string, previous: string[] = []): string[] {
  return [...previous, ...value.split(/[\s,]+/).filter(Boolean)];
}

/** Commander option parser: repeatable, one value per flag (a URI may hold commas); "" alone gives an empty list. */
export function repeatable(value: string, previous: string[] = []): string[] {
  return value ? [...previous, value] : previous;
}
