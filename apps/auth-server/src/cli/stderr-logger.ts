import { ConsoleLogger, LogLevel } from '@nestjs/common';

/**
 * The CLI's Nest logger. Nest's ConsoleLogger writes warnings (a slow query under load, a driver
 * notice) to stdout, where they would land after `--json` output and break it: every line goes to
 * stderr, with the CLI's progress and audit lines.
 */
export class StderrLogger extends ConsoleLogger {
  protected override printMessages(
    messages: unknown[],
    context?: string,
    logLevel?: LogLevel,
    _writeStreamType?: 'stdout' | 'stderr',
    errorStack?: unknown,
    params?: Record<string, unknown>,
  ): void {
    super.printMessages(messages, context, logLevel, 'stderr', errorStack, params);
  }
}
