/**
 * The JSON log's destination: process.stdout, written once per turn of the event loop rather than
 * once per line. Under load a turn answers many requests, and a write per line was ~3 % of the token
 * endpoint's CPU (bench/README.md, issue 28).
 *
 * Nothing waits in memory across a turn: the lines of a turn are written in that turn's check phase
 * (setImmediate), before the loop next waits for I/O, and synchronously (process.stdout is
 * synchronous for files and pipes on Linux). A process that ends (process.exit, an uncaught
 * exception, the loop running dry) writes what is left in its 'exit' event. What a SIGKILL can cut
 * is the rest of the current turn, as it could cut the line being written per line.
 *
 * One per process: every app in it writes to the same stdout, so one queue keeps their lines in order.
 */
class StdoutLines {
  private pending = '';
  private scheduled = false;

  constructor() {
    process.on('exit', () => this.flushSync());
  }

  /** pino's destination interface: `write` per line (each ends with "\n"), `flushSync` for pino.final and the like. */
  write(line: string): boolean {
    this.pending += line;
    if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(this.flushTurn);
    }
    return true;
  }

  flushSync(): void {
    if (!this.pending) return;
    const lines = this.pending;
    this.pending = '';
    process.stdout.write(lines);
  }

  flush(done?: (error?: Error) => void): void {
    this.flushSync();
    done?.();
  }

  private readonly flushTurn = (): void => {
    this.scheduled = false;
    this.flushSync();
  };
}

let stdoutLines: StdoutLines | undefined;

/** The process's one batched stdout destination (see StdoutLines). */
export function batchedStdout(): StdoutLines {
  return (stdoutLines ??= new StdoutLines());
}
