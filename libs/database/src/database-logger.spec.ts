import { Logger, LoggerService } from '@nestjs/common';
import { DatabaseLogger } from './database-logger';

describe('DatabaseLogger (TypeORM through the app logger)', () => {
  const lines: { level: string; message: string }[] = [];
  const capture = (level: string) => (message: unknown) => void lines.push({ level, message: String(message) });
  const sink: LoggerService = { log: capture('log'), error: capture('error'), warn: capture('warn'), debug: capture('debug'), verbose: capture('verbose') };
  beforeAll(() => Logger.overrideLogger(sink));
  afterAll(() => Logger.overrideLogger(new Logger()));
  beforeEach(() => (lines.length = 0));

  it('issue 24 #8: a failed query is one error line with the SQL and the SQLSTATE, never its parameters or the value PostgreSQL quotes', () => {
    const error = Object.assign(new Error('invalid input syntax for type integer: "secret-ish-value"'), { code: '22P02' });
    new DatabaseLogger(false).logQueryError(error, 'SELECT $1::int\n  FROM clients', ['secret-ish-value']);
    expect(lines).toEqual([{ level: 'error', message: 'query failed [22P02]: invalid input syntax for type integer: "…" (SELECT $1::int FROM clients)' }]);
  });

  it('keeps the names of schema objects in the message', () => {
    new DatabaseLogger(false).logQueryError('duplicate key value violates unique constraint "users_username_key"', 'INSERT INTO users', ['alice']);
    expect(lines[0]!.message).toContain('constraint "users_username_key"');
  });

  it('logs every query (debug, SQL only) with DATABASE_LOG_QUERIES=true, none without', () => {
    new DatabaseLogger(false).logQuery('SELECT 1', ['p']);
    expect(lines).toEqual([]);
    new DatabaseLogger(true).logQuery('SELECT $1', ['parameter-value']);
    expect(lines).toEqual([{ level: 'debug', message: 'query: SELECT $1' }]);
  });
});
