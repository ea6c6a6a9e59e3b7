import { Injectable, OnModuleInit } from '@nestjs/common';
import { AuditLog } from '../audit/audit-log';
import { ClientEvents } from './client-changed.event';
import { ClientRegistry } from './client-registry';

/** What follows every `client.changed`: the registry forgets its cached copy, and the audit log records the change. */
@Injectable()
export class ClientChangeSubscribers implements OnModuleInit {
  constructor(
    private readonly events: ClientEvents,
    private readonly registry: ClientRegistry,
    private readonly audit: AuditLog,
  ) {}

  onModuleInit(): void {
    // First the cache: a created id may be remembered as unknown, a changed client must not be served stale.
    this.events.onChanged((event) => this.registry.invalidate(event.clientId));
    this.events.onChanged((event) =>
      this.audit.record({
        action: event.action,
        target: event.target ?? { type: 'client', id: event.clientId },
        actor: event.actor,
        ...(event.changes ? { changes: event.changes } : {}),
      }),
    );
  }
}
