import { Principal } from '@nest-oauth-m2m/auth';
import { createParamDecorator, ExecutionContext } from '@nestjs/common';
import type { AuditActor } from '../audit/audit-log';

/** `@AdminActor() actor: AuditActor`: the calling client, as the services' audit events name it. */
export const AdminActor = createParamDecorator(
  (_data: unknown, context: ExecutionContext): AuditActor => ({
    kind: 'admin-api',
    // The guards let only verified client_credentials tokens through (@ServiceOnly): clientId is the caller.
    id: context.switchToHttp().getRequest<{ user: Principal }>().user.clientId,
  }),
);
