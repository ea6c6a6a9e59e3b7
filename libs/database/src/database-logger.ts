import { Logger } from '@nestjs/common';
import type { Logger as TypeOrmLogger } from 'typeorm';

const oneLine = (sql: string) => sql.replace(/\s+/g, ' ').trim();

/**
 * PostgreSQL quotes the offending value in some messages (`invalid input syntax for type integer:
 * "…"`): quoted text is elided unless it names a schema object (constraint, relation, column, …).
 */
const withoutValues = (message: string) =>
  message.replace(/(?<!\b(?:constraint|relation|column|table|index|type|encoding|schema|function|sequence) )"[^"]*"/g, '"…"');

/**
 * TypeORM's log through the app's logger (pino in the apps, with its redaction), never straight to
 * stdout, and never with query parameters: they carry what callers sent (ids, hashes, tokens'
 * digests). Failed queries are always logged (as errors, SQL text only); every query only with
 * DATABASE_LOG_QUERIES=true (debug).
 */
export class DatabaseLogger implements TypeOrmLogger {
  private readonly logger = new Logger('Database');

  constructor(private readonly logQueries: boolean) {}

  logQuery(query: string, _parameters?: unknown): void {
    if (this.logQueries) this.logger.debug(`query: ${oneLine(query)}`);
  }

  logQueryError(error: string | Error, query: string, _parameters?: unknown): void {
    const sqlState = typeof error === 'string' ? undefined : (error as Error & { code?: unknown }).code;
    const code = typeof sqlState === 'string' ? ` [${sqlState}]` : '';
    this.logger.error(`query failed${code}: ${withoutValues(typeof error === 'string' ? error : error.message)} (${oneLine(query)})`);
  }

  logQuerySlow(time: number, query: string): void {
    this.logger.warn(`slow query (${time} ms): ${oneLine(query)}`);
  }

  logSchemaBuild(message: string): void {
    if (this.logQueries) this.logger.debug(message);
  }

  logMigration(message: string): void {
    if (this.logQueries) this.logger.log(message);
  }

  log(level: 'log' | 'info' | 'warn', message: unknown): void {
    if (level === 'warn') this.logger.warn(String(message));
    else if (this.logQueries) this.logger.log(String(message));
  }
}
