import { Injectable } from '@nestjs/common';
import type { AuditActor, AuditEvent } from '../audit/audit-log';

/**
 * `client.changed`: one event for every change to a client's registration (created, updated, granted,
 * a secret rotated, disabled, deleted, …), emitted by the services that make the change, after it is
 * committed. The audit log and the ClientRegistry's cache subscribe (ClientChangeSubscribers).
 */
export interface ClientChanged {
  /** The audit action: `client.create`, `client.update`, `client.grant`, `client-secret.rotate`, … */
  action: string;
  clientId: string;
  actor: AuditActor;
  /** What changed, as the audit log records it (never a secret). */
  changes?: Record<string, unknown>;
  /** The thing changed when it is not the client itself (a secret). */
  target?: AuditEvent['target'];
}

/**
 * A small typed in-process emitter, not @nestjs/event-emitter: the listeners must run synchronously
 * before the operation returns (a caller that registers a client and asks for a token at once must not
 * meet the registry's stale "unknown" entry), there are exactly two, both in this process, and a typed
 * `on`/`emit` pair is clearer to read than string-keyed decorators for one event.
 */
@Injectable()
export class ClientEvents {
  private readonly listeners: ((event: ClientChanged) => void)[] = [];

  onChanged(listener: (event: ClientChanged) => void): void {
    this.listeners.push(listener);
  }

  changed(event: ClientChanged): void {
    for (const listener of this.listeners) listener(event);
  }
}
