import { Injectable, Logger } from '@nestjs/common';

/** Who made a change: an operator at the CLI, a client calling the admin API, or the demo seeding. */
export interface AuditActor {
  kind: 'cli' | 'admin-api' | 'seed' | 'server';
  /** The OS user at the CLI, the calling client's id on the admin API. */
  id: string;
}

export interface AuditEvent {
  /** `client.create`, `client.update`, `resource.create`, `user.passwd`, … */
  action: string;
  target: { type: 'client' | 'client-secret' | 'resource' | 'user' | 'signing-key' | 'admin-api' | 'trusted-issuer'; id: string };
  actor: AuditActor;
  /** What changed, never a secret or a password (names of changed fields, new non-secret values). */
  changes?: Record<string, unknown>;
}

/** Where audit lines go: the server logs them through its JSON logger, the CLI writes them to stderr. */
export type AuditSink = (line: Record<string, unknown>) => void;

/** Changes the server makes on its own (demo seeding at boot). */
export const SEED_ACTOR: AuditActor = { kind: 'seed', id: 'demo-seed' };
/** A change made by the server's own code when no operator is named (a key rotation called from code). */
export const SERVER_ACTOR: AuditActor = { kind: 'server', id: 'auth-server' };

const logger = new Logger('Audit');
const loggerSink: AuditSink = (line) => logger.log(line);

/** Every change to the registry (clients, secrets, resources, users, keys) as one structured log event. */
@Injectable()
export class AuditLog {
  private sink: AuditSink = loggerSink;

  /** The CLI sends its lines to stderr: its logger shows warnings only, and stdout is for results. */
  sendTo(sink: AuditSink): void {
    this.sink = sink;
  }

  record(event: AuditEvent): void {
    this.sink({ event: 'audit', ...event, msg: `${event.action} ${event.target.type} ${event.target.id} by ${event.actor.kind}:${event.actor.id}` });
  }
}

/** One JSON line per change, for the CLI (it passes its stderr, so stdout stays pure for --json). */
export function jsonLineSink(write: (text: string) => void, service = 'auth-server-cli'): AuditSink {
  return (line) => write(`${JSON.stringify({ time: new Date().toISOString(), service, ...line })}\n`);
}
