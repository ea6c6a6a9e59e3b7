import { format } from 'node:util';

// eslint-disable-next-line no-control-regex
const ANSI = /\u001b\[[0-9;]*[A-Za-z]/g;

/**
 * Everything this process prints: process.stdout/stderr writes (Nest's ConsoleLogger) and console
 * calls (TypeORM's query logger). Swallowed while captured; set ECHO_CAPTURED_LOGS=1 to see them too.
 */
export class OutputCapture {
  readonly chunks: string[] = [];
  private readonly restores: Array<() => void> = [];

  start(): void {
    const echo = process.env.ECHO_CAPTURED_LOGS === '1';
    for (const stream of [process.stdout, process.stderr]) {
      const original = stream.write.bind(stream);
      const spy = jest.spyOn(stream, 'write').mockImplementation(((chunk: unknown, ...rest: unknown[]) => {
        this.chunks.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk as Uint8Array).toString('utf8'));
        return echo ? (original as (...args: unknown[]) => boolean)(chunk, ...rest) : true;
      }) as typeof stream.write);
      this.restores.push(() => spy.mockRestore());
    }
    for (const method of ['log', 'info', 'warn', 'error', 'debug', 'trace'] as const) {
      const original = console[method].bind(console);
      const spy = jest.spyOn(console, method).mockImplementation((...args: unknown[]) => {
        this.chunks.push(`${format(...args)}\n`);
        if (echo) original(...args);
      });
      this.restores.push(() => spy.mockRestore());
    }
  }

  stop(): void {
    while (this.restores.length) this.restores.pop()!();
  }

  /** Captured output as lines, with colour codes removed (so a highlighted value is still found). */
  lines(): string[] {
    return this.chunks.join('').replace(ANSI, '').split('\n');
  }

  /** Lines holding the value, raw or with colour codes stripped. */
  linesContaining(value: string): string[] {
    const raw = this.chunks.join('').split('\n');
    return [...new Set([...raw.filter((line) => line.includes(value)), ...this.lines().filter((line) => line.includes(value))])];
  }

  /** All output, raw and with colour codes stripped. */
  text(): string {
    const raw = this.chunks.join('');
    return `${raw}\n${raw.replace(ANSI, '')}`;
  }
}
